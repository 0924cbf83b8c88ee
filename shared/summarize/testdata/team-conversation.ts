import type { ConversationLine } from '../analysis.js';

/** A team planning a release around a database migration, with some small talk in between. */
const script: [string, string][] = [
  ['alice', 'Morning all! Quick sync about the Friday release.'],
  ['bob', 'Morning. The database migration is still the blocker for the release.'],
  ['alice', 'What is left on the database migration?'],
  ['bob', 'The migration script works on staging, but it locks the orders table for about ten minutes.'],
  ['carol', 'Ten minutes of locked orders during the release is not acceptable for customers.'],
  ['alice', 'Agreed. Can we run the migration in batches so the orders table is never locked for long?'],
  ['bob', 'Yes, a batched migration would keep each lock under a second. I need a day to rewrite the script.'],
  ['carol', 'Did anyone see the game last night?'],
  ['dave', 'Ha, yes, what a finish.'],
  ['carol', 'Back to work: I will update the release notes with the migration plan.'],
  ['alice', 'Thanks Carol. The release notes should also mention the new invoice export.'],
  ['dave', 'The invoice export is done and tested, the pull request is merged.'],
  ['bob', 'I will rewrite the migration script in batches today and run it on staging tomorrow.'],
  ['alice', 'If the batched migration passes on staging tomorrow, we keep the Friday release.'],
  ['carol', 'Should we tell the support team about the release date?'],
  ['alice', 'Yes, Carol please tell support once the migration passes on staging.'],
  ['dave', 'I can watch the error dashboards during the release on Friday.'],
  ['bob', 'Also the backup of the orders table must run before the migration starts.'],
  ['alice', 'Good point Bob, add the backup of the orders table to the release checklist.'],
  ['carol', 'Release checklist updated with the backup, the batched migration and the invoice export.'],
  ['dave', 'Lunch anyone?'],
  ['alice', 'Decision: the Friday release goes ahead if the batched migration passes on staging tomorrow.'],
];

export const TEAM_CONVERSATION: ConversationLine[] = script.map(([sender, text], i) => ({
  sender,
  text,
  at: new Date(Date.UTC(2026, 10, 20, 9, i * 3)).toISOString(),
}));
