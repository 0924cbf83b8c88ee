import * as DialogPrimitive from '@radix-ui/react-dialog';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '../../lib/cn.js';

/** A modal dialog (Radix Dialog: focus trapped and given back, Escape closes). */
export const Dialog = DialogPrimitive.Root;
export const DialogClose = DialogPrimitive.Close;
/** The control that opens its Dialog (with `asChild`, the child button itself). */
export const DialogTrigger = DialogPrimitive.Trigger;

/** The dialog's box, centred, with its title and an optional description. */
export function DialogContent({
  title,
  description,
  className,
  children,
  ...props
}: ComponentProps<typeof DialogPrimitive.Content> & { readonly title: string; readonly description?: ReactNode; readonly children: ReactNode }) {
  return (
    <DialogPrimitive.Portal>
      <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-black/40" />
      <DialogPrimitive.Content
        className={cn('fixed top-1/2 left-1/2 z-50 grid max-h-[90dvh] w-[min(28rem,calc(100vw-1.5rem))] -translate-x-1/2 -translate-y-1/2 gap-3 overflow-y-auto rounded-lg border border-line bg-bg p-4 shadow-xl', className)}
        {...(description ? {} : { 'aria-describedby': undefined })}
        {...props}
      >
        <DialogPrimitive.Title className="text-base font-semibold">{title}</DialogPrimitive.Title>
        {description && <DialogPrimitive.Description className="text-sm text-dim">{description}</DialogPrimitive.Description>}
        {children}
      </DialogPrimitive.Content>
    </DialogPrimitive.Portal>
  );
}
