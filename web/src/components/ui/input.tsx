import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.js';

/** A text input in our style; it shrinks with its container rather than overflowing it. */
export function Input({ className, ...props }: ComponentProps<'input'>) {
  return <input className={cn('h-9 w-full min-w-0 rounded-md border border-line bg-panel px-2 text-fg placeholder:text-dim', className)} {...props} />;
}

/** A multi-line text box in our style. */
export function Textarea({ className, ...props }: ComponentProps<'textarea'>) {
  return <textarea className={cn('w-full min-w-0 rounded-md border border-line bg-panel px-2 py-1.5 text-fg placeholder:text-dim', className)} {...props} />;
}
