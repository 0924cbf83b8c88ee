import * as LabelPrimitive from '@radix-ui/react-label';
import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.js';

/** A form label (Radix Label: clicking it focuses its control). */
export function Label({ className, ...props }: ComponentProps<typeof LabelPrimitive.Root>) {
  return <LabelPrimitive.Root className={cn('grid gap-1 text-sm text-dim', className)} {...props} />;
}
