import * as DialogPrimitive from '@radix-ui/react-dialog';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '../../lib/cn.js';

/** A panel sliding in from one side over the page (Radix Dialog: focus trapped, Escape closes). */
export const Sheet = DialogPrimitive.Root;
export const SheetTrigger = DialogPrimitive.Trigger;
export const SheetClose = DialogPrimitive.Close;

/** The sheet's panel, with its title (read by screen readers) and a close button. */
export function SheetContent({
  side = 'left',
  title,
  description,
  className,
  children,
  ...props
}: ComponentProps<typeof DialogPrimitive.Content> & { readonly side?: 'left' | 'right'; readonly title: string; readonly description?: string; readonly children: ReactNode }) {
  return (
    <DialogPrimitive.Portal>
      <DialogPrimitive.Overlay className="fixed inset-0 z-40 bg-black/40" />
      <DialogPrimitive.Content
        className={cn(
          'fixed inset-y-0 z-50 flex w-[min(20rem,85vw)] flex-col gap-3 overflow-y-auto border-line bg-bg px-3 pb-3 shadow-xl [&>.panel-head]:pt-3',
          side === 'left' ? 'left-0 border-r' : 'right-0 border-l',
          className,
        )}
        {...(description ? {} : { 'aria-describedby': undefined })}
        {...props}
      >
        <div className="panel-head flex items-center justify-between gap-2">
          <DialogPrimitive.Title className="text-base font-semibold">{title}</DialogPrimitive.Title>
          <DialogPrimitive.Close className="cursor-pointer rounded-md px-2 py-1 text-dim hover:bg-panel" aria-label="Close">
            ✕
          </DialogPrimitive.Close>
        </div>
        {description && <DialogPrimitive.Description className="text-sm text-dim">{description}</DialogPrimitive.Description>}
        {children}
      </DialogPrimitive.Content>
    </DialogPrimitive.Portal>
  );
}
