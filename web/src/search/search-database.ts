/**
 * The name of a user's private search database in this browser's IndexedDB: `chat-search-<userId>`.
 * Apart from the index's own module so that sign-out can delete the database without loading the
 * search engine when this page never used it (web/src/search/browser-search.ts).
 */
export function searchDatabaseName(userId: string): string {
  return `chat-search-${userId}`;
}
