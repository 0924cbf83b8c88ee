import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.js';

/** A small count or tag; `tone="mention"` for counts that name the user. */
export function Badge({ tone = 'count', className, ...props }: ComponentProps<'span'> & { readonly tone?: 'count' | 'mention' | 'muted' }) {
  return (
    <span
      className={cn(
        'inline-flex min-w-5 items-center justify-center rounded-full px-1.5 text-xs leading-5 font-semibold',
        tone === 'count' && 'bg-accent text-accent-fg',
        tone === 'mention' && 'bg-error text-bg',
        tone === 'muted' && 'border border-line text-dim',
        className,
      )}
      {...props}
    />
  );
}
