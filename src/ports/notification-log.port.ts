/**
 * Remembers which notification messages were sent, so a redelivered queue message does not send
 * a second e-mail. (A crash between sending and recording can still send twice: at-least-once.)
 */
export interface NotificationLog {
  wasSent(companyId: string, messageId: string): Promise<boolean>;
  markSent(companyId: string, messageId: string, sentAtIso: string): Promise<void>;
}
