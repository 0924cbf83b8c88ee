/** The composer's slash commands, in the order /help lists them. */
export const SLASH_COMMANDS = [
  { name: 'list', args: '', help: 'the open rooms anyone can join; Enter joins the chosen one' },
  { name: 'join', args: '<room | invite-link>', help: 'join an open room, or a private one by its link' },
  { name: 'create', args: '<room> [--private]', help: 'create a room' },
  { name: 'invite', args: '[--uses N] [--expires 24h]', help: 'make an invite link for this room' },
  { name: 'leave', args: '', help: 'leave this room' },
  { name: 'kick', args: '<user>', help: 'remove someone from this room (owner)' },
  { name: 'dm', args: '<user>', help: 'open your encrypted room with someone' },
  { name: 'members', args: '', help: 'who is here, and who is online' },
  { name: 'topic', args: '[text | --clear]', help: "show this room's topic; with text, set it (owner); a private room's topic is not end-to-end encrypted" },
  { name: 'me', args: '<action>', help: 'say what you do: "/me waves" shows as "* alice waves"' },
  { name: 'reply', args: '[text]', help: 'reply to the selected message (else the last one); no text: compose the reply' },
  { name: 'react', args: '<emoji>', help: 'toggle your reaction on the selected message (else the last one)' },
  { name: 'edit', args: '[text]', help: 'edit the selected message (else your last one); no text: load it into the composer' },
  { name: 'delete', args: '', help: 'delete the selected message (else your last one), after y/n' },
  { name: 'search', args: '<query>', help: 'search your rooms ("phrase", or, -word); Enter jumps to a result' },
  { name: 'summarize', args: '[general|detailed|bullets|topics] [--yes]', help: 'summarize this room' },
  { name: 'verify', args: '<user>', help: 'compare safety numbers with someone' },
  { name: 'retry', args: '', help: 'send again this room\'s messages the server refused' },
  { name: 'discard', args: '', help: 'drop this room\'s messages the server refused' },
  { name: 'theme', args: 'dark | light | system', help: 'change the colours' },
  { name: 'help', args: '', help: 'this list, and the keys' },
  { name: 'quit', args: '', help: 'leave the app' },
] as const;

/**
 * The commands that would change who is in a room (an invite link, a removal): not offered in a direct
 * message, which is between two people only (the server refuses them there since database migration 021).
 */
export const MEMBERSHIP_COMMANDS: readonly string[] = ['invite', 'kick'];

/** The slash commands offered in a room (Tab, the suggestion line, /help): all but MEMBERSHIP_COMMANDS in a direct message (`dm`). */
export function offeredCommands(dm: boolean): readonly (typeof SLASH_COMMANDS)[number][] {
  return dm ? SLASH_COMMANDS.filter((c) => !MEMBERSHIP_COMMANDS.includes(c.name)) : SLASH_COMMANDS;
}

/** The keys of the interactive client, in the order /help lists them. */
export const KEY_BINDINGS: readonly { readonly keys: string; readonly help: string }[] = [
  { keys: 'Enter', help: 'send' },
  { keys: 'Alt+Enter, Shift+Enter, Ctrl+J', help: 'new line' },
  { keys: '←/→, Ctrl+B/F', help: 'move by character' },
  { keys: 'Alt+B/F, Ctrl+←/→', help: 'move by word' },
  { keys: 'Home/End, Ctrl+A/E', help: 'start/end of the line' },
  { keys: 'Backspace, Delete', help: 'delete a character before/under the cursor' },
  { keys: 'Ctrl+W, Alt+Backspace', help: 'delete the word before the cursor' },
  { keys: 'Alt+D', help: 'delete the word after the cursor' },
  { keys: 'Ctrl+U', help: 'delete the line before the cursor' },
  { keys: '↑/↓', help: 'lines of the text; from its first/last line, what you sent (edits kept until sent); then ↑ selects a message' },
  { keys: 'Ctrl+↑', help: 'select a message in the timeline (↑/↓ move, Esc leaves)' },
  { keys: 'e d r +', help: 'on the selected message: edit (yours), delete (y/n), reply, react' },
  { keys: 'Tab', help: 'complete a /command, @name or #room' },
  { keys: 'Ctrl+K', help: 'go to a room by name' },
  { keys: 'Ctrl+N/P, Alt+↓/↑', help: 'next/previous room (each keeps its own draft)' },
  { keys: 'Ctrl+G, F2', help: 'hide/show the room list' },
  { keys: 'PgUp/PgDn, mouse wheel', help: 'scroll the timeline (scrolled back, it stays put as messages come)' },
  { keys: 'Alt+End, Ctrl+End', help: 'back to the newest message (End too, when the composer is empty)' },
  { keys: 'Esc', help: 'close a panel or the room switcher; leave the selection; cancel an edit or reply' },
  { keys: 'Ctrl+C', help: 'quit' },
];

/** The widest command `/help` lines its description up beside (longer ones go on a row of their own). */
const HELP_COMMAND_COLUMN = 26;

/**
 * The help panel's text: a line per command with what it does, then a line per key binding. In a
 * direct message (`dm`) the commands are those offered there (see offeredCommands), and a line says why
 * the others are not.
 */
export function helpText(dm = false): string {
  const offered = offeredCommands(dm);
  const commands = offered.map((c) => `/${c.name}${c.args ? ` ${c.args}` : ''}`);
  // The descriptions' column: a command longer than it has its description on the next row, under the others.
  const width = Math.min(HELP_COMMAND_COLUMN, Math.max(...commands.map((c) => c.length)));
  const keyWidth = Math.max(...KEY_BINDINGS.map((k) => k.keys.length));
  return [
    'Commands',
    ...offered.flatMap((c, i) => {
      const command = commands[i] ?? '';
      return command.length > width ? [`  ${command}`, `  ${' '.repeat(width)}  ${c.help}`] : [`  ${command.padEnd(width)}  ${c.help}`];
    }),
    '  //text sends a message that starts with /',
    ...(dm ? [`  ${DM_NO_MEMBERSHIP}`] : []),
    '',
    'Keys',
    ...KEY_BINDINGS.map((k) => `  ${k.keys.padEnd(keyWidth)}  ${k.help}`),
  ].join('\n');
}

export type SlashName = (typeof SLASH_COMMANDS)[number]['name'];

export type SlashParse =
  | { readonly kind: 'message'; readonly text: string }
  | { readonly kind: 'command'; readonly name: SlashName; readonly args: readonly string[]; readonly rest: string }
  | { readonly kind: 'error'; readonly message: string };

/**
 * What the composer's text means: a message, a command, or a mistake. `//text` sends "/text".
 * Arguments split on spaces; a quoted argument may hold spaces.
 */
export function parseComposer(input: string): SlashParse {
  if (input.startsWith('//')) return { kind: 'message', text: input.slice(1) };
  if (!input.startsWith('/')) return { kind: 'message', text: input };
  const parts = [...input.slice(1).matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? '');
  const [name = '', ...args] = parts;
  const command = SLASH_COMMANDS.find((c) => c.name === name.toLowerCase());
  if (!command) return { kind: 'error', message: `no command /${name}; type /help for the list` };
  // The text after the name as typed, quotes and all (a search query keeps its "phrases").
  const rest = input.slice(1).trimStart().slice(name.length).trim();
  return { kind: 'command', name: command.name, args, rest };
}

/**
 * Completions for a half-typed command name (`/jo` → `/join `), for Tab and the suggestion line, among
 * `names` (the commands offered in the room: see offeredCommands; default all).
 */
export function completeSlash(input: string, names: readonly string[] = SLASH_COMMANDS.map((c) => c.name)): string[] {
  const m = /^\/(\w*)$/.exec(input);
  if (!m) return [];
  const prefix = (m[1] ?? '').toLowerCase();
  return names.filter((name) => name.startsWith(prefix)).map((name) => `/${name} `);
}

/** What /invite or /kick answers in a direct message (said without asking the server), and /help notes there. */
export const DM_NO_MEMBERSHIP = 'a direct message is between two people only: nobody can be invited or removed (no /invite, no /kick); start a group room for more people';
