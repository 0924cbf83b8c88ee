import { Slot } from '@radix-ui/react-slot';
import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.js';

const VARIANTS = {
  primary: 'bg-accent text-accent-fg hover:opacity-90',
  secondary: 'border border-line bg-panel text-fg hover:bg-line/60',
  ghost: 'text-fg hover:bg-panel',
  link: 'text-accent underline-offset-2 hover:underline px-0',
  danger: 'border border-error text-error hover:bg-panel',
} as const;
const SIZES = { md: 'h-9 px-3', sm: 'h-7 px-2 text-sm', icon: 'h-9 w-9 p-0' } as const;

/** A button in one of our variants; `asChild` styles its child (a router Link, say) as the button instead. */
export function Button({
  variant = 'primary',
  size = 'md',
  asChild = false,
  className,
  type,
  ...props
}: ComponentProps<'button'> & { readonly variant?: keyof typeof VARIANTS; readonly size?: keyof typeof SIZES; readonly asChild?: boolean }) {
  const Comp = asChild ? Slot : 'button';
  return (
    <Comp
      {...(asChild ? {} : { type: type ?? 'button' })}
      className={cn(
        'inline-flex shrink-0 cursor-pointer items-center justify-center gap-1 rounded-md font-medium whitespace-nowrap disabled:cursor-default disabled:opacity-50',
        VARIANTS[variant],
        SIZES[size],
        className,
      )}
      {...props}
    />
  );
}
