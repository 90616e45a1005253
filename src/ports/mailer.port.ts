export interface OutgoingMail {
  to: string[];
  subject: string;
  text: string;
  html: string;
  /** Stable id of the logical message, so a retried send can be recognised. */
  idempotencyKey: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
}
