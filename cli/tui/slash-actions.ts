import type { ApiClient, E2ESession } from '../../shared/client/index.js';
import type { Room, SummaryType } from '../../shared/protocol/index.js';
import { ChatError, CreateInviteRequest, isDirectMessage, shownRole, Topic } from '../../shared/protocol/index.js';
import { unsearchableQuery } from '../../shared/search/index.js';
import { PRIVATE_TOPIC_NOTE } from '../../shared/text/private-topic-note.js';
import { parseDuration } from '../../shared/text/time-input.js';
import { searchFilters, splitSearchOptions } from '../../shared/search/search-options.js';
import type { SearchScope } from '../../shared/search/search-options.js';
import { joinTarget } from '../invite-link.js';
import { parseRoomRef, parseUserRef } from '../room-ref.js';
import { DM_NO_MEMBERSHIP } from './state/slash-commands.js';
import type { SlashName } from './state/slash-commands.js';
import type { ThemeChoice } from './state/theme.js';

/** The status line's hint while the `/list` directory is open; cleared when it closes. */
export const DIRECTORY_HINT = 'open rooms: ↑/↓ choose · Enter join · Esc close';

/** What a slash command may do to the screen besides talking to the server. */
export interface SlashEffects {
  readonly api: ApiClient;
  readonly e2e: E2ESession;
  readonly room: Room | undefined;
  /** How a room is named to the user, as the header names it: `#name`, `⚿ name` for a private room, `@peer` for a direct message (see roomTitle). */
  readonly title: (room: Room) => string;
  readonly refreshRooms: () => Promise<Room[]>;
  readonly select: (roomId: string) => void;
  readonly setTheme: (choice: ThemeChoice) => void;
  readonly quit: () => void;
  /** Opens the results panel for a search, in the rooms, from the sender and since the time `scope` names. */
  readonly openSearch: (query: string, scope: SearchScope) => void;
  /** Opens the open-room directory (Enter there joins). */
  readonly openDirectory: () => void;
  /** Opens the help panel. */
  readonly openHelp: () => void;
  /** Sends a message to the current room, as typed text does. */
  readonly sendMessage: (room: Room, text: string) => void;
  /** Opens the summary panel for the current room. */
  readonly openSummary: (room: Room, type: SummaryType, agree: boolean) => void;
  /** Queues again, or drops, the room's messages the server refused; each answers how many. */
  readonly retryFailed: (roomId: string) => Promise<number>;
  readonly discardFailed: (roomId: string) => Promise<number>;
  /**
   * Edits, deletes, reacts to or replies to the selected message (else the room's last fitting one);
   * `arg` is the rest of the command. Answers the status line.
   */
  readonly messageAction: (action: 'edit' | 'delete' | 'react' | 'reply', arg: string) => Promise<string>;
}

const SUMMARY_TYPES: readonly SummaryType[] = ['general', 'detailed', 'bullets', 'topics'];

const need = (arg: string | undefined, usage: string): string => {
  if (!arg) throw new ChatError('invalid_request', `usage: ${usage}`);
  return arg;
};
const inRoom = (room: Room | undefined): Room => {
  if (!room) throw new ChatError('invalid_request', 'choose a room first');
  return room;
};

/** The room, unless it is a direct message: /invite and /kick are refused there at once (see DM_NO_MEMBERSHIP), with no server round trip. */
const notDirect = (room: Room): Room => {
  if (isDirectMessage(room)) throw new ChatError('forbidden', DM_NO_MEMBERSHIP);
  return room;
};

/** Runs one slash command; returns the line to show in the status bar. */
export async function runSlash(name: SlashName, args: readonly string[], rest: string, fx: SlashEffects): Promise<string> {
  const { api } = fx;
  switch (name) {
    case 'join': {
      // `#general` is `general`, and `@carol` your direct messages with carol, as for `chat join` (see parseRoomRef).
      const target = joinTarget(need(args[0], '/join <room | invite-link>'));
      const ref = target.kind === 'room' ? parseRoomRef(target.name) : undefined;
      const result =
        target.kind === 'invite' ? await api.redeemInvite(target.token) : ref?.kind === 'user' ? await api.directMessage(ref.username) : await api.join(ref?.kind === 'room' ? ref.name : target.name);
      await fx.refreshRooms();
      fx.select(result.room.id);
      return `joined ${fx.title(result.room)}`;
    }
    case 'create': {
      // `/create #plans` makes `plans`: a leading `#` is how a room is written, not part of its name.
      const roomName = need(args[0], '/create <room> [--private]').replace(/^#(?=.)/, '');
      const { room } = await api.createRoom({ name: roomName, visibility: args.includes('--private') ? 'private' : 'open' });
      await fx.refreshRooms();
      fx.select(room.id);
      return `created ${fx.title(room)}${room.visibility === 'private' ? ' (end-to-end encrypted)' : ''}`;
    }
    case 'invite': {
      const room = notDirect(inRoom(fx.room));
      const uses = args.indexOf('--uses');
      const expires = args.indexOf('--expires');
      const usage = '/invite [--uses N] [--expires 24h]: N is a whole number from 1 to 1000';
      const maxUses = uses >= 0 ? Number(need(args[uses + 1], usage)) : undefined;
      if (maxUses !== undefined && !CreateInviteRequest.shape.maxUses.safeParse(maxUses).success) throw new ChatError('invalid_request', `usage: ${usage}`);
      const created = await api.createInvite(room.id, {
        ...(maxUses !== undefined ? { maxUses } : {}),
        ...(expires >= 0 ? { expiresInSeconds: parseDuration(args[expires + 1] ?? '') } : {}),
      });
      return `invite: ${created.url}`;
    }
    case 'leave': {
      const room = inRoom(fx.room);
      // Named before leaving: a direct message's other member is known only while it is listed.
      const shown = fx.title(room);
      await api.leave(room.id);
      await fx.refreshRooms();
      return `left ${shown}`;
    }
    case 'kick': {
      const room = notDirect(inRoom(fx.room));
      const user = parseUserRef(need(args[0], '/kick <user>'));
      await api.kick(room.id, user);
      return `removed ${user} from ${fx.title(room)}`;
    }
    case 'dm': {
      const user = parseUserRef(need(args[0], '/dm <user>'));
      const { room } = await api.directMessage(user);
      await fx.refreshRooms();
      fx.select(room.id);
      return `direct messages with ${user}`;
    }
    case 'members': {
      const room = inRoom(fx.room);
      const members = await api.members(room.id);
      // Nobody owns a direct message in its two people's eyes: no "(owner)" there.
      return members.map((m) => `${m.online ? '●' : '○'} ${m.user.username}${shownRole(room, m.role) === 'owner' ? ' (owner)' : ''}`).join('  ');
    }
    case 'verify': {
      const user = parseUserRef(need(args[0], '/verify <user> [--confirm]'));
      const safety = await fx.e2e.safetyNumberWith(user);
      if (args.includes('--confirm')) {
        await fx.e2e.confirm(safety.userId, safety.keys);
        return `${user} verified: ${safety.number}`;
      }
      return `safety number with ${user}: ${safety.number}${safety.changed ? '  — CHANGED since you verified' : safety.verified ? '  (verified)' : '  (/verify ' + user + ' --confirm if it matches)'}`;
    }
    case 'theme': {
      const choice = args[0];
      if (choice !== 'dark' && choice !== 'light' && choice !== 'system') throw new ChatError('invalid_request', 'usage: /theme dark | light | system');
      fx.setTheme(choice);
      return `theme: ${choice}`;
    }
    case 'search': {
      const usage = '/search <words, "a phrase", -excluded> [--room R] [--from U] [--since D]';
      const { query, scope } = splitSearchOptions(need(rest, usage));
      const unsearchable = unsearchableQuery(need(query, usage));
      if (unsearchable) throw new ChatError('invalid_request', `${unsearchable} (${usage})`);
      // Options that cannot be read (a start, an empty --from or --room) are refused here, before the panel opens.
      searchFilters(scope);
      fx.openSearch(query, scope);
      return 'searching…';
    }
    case 'summarize': {
      const room = inRoom(fx.room);
      const type = args.find((a) => !a.startsWith('--')) ?? 'general';
      if (!SUMMARY_TYPES.includes(type as SummaryType)) throw new ChatError('invalid_request', `usage: /summarize [${SUMMARY_TYPES.join('|')}] [--yes]`);
      fx.openSummary(room, type as SummaryType, args.includes('--yes'));
      return 'summarizing…';
    }
    case 'retry': {
      const n = await fx.retryFailed(inRoom(fx.room).id);
      return n === 0 ? 'no message here was refused' : `sending ${n} message${n === 1 ? '' : 's'} again`;
    }
    case 'discard': {
      const n = await fx.discardFailed(inRoom(fx.room).id);
      return n === 0 ? 'no message here was refused' : `dropped ${n} message${n === 1 ? '' : 's'}`;
    }
    case 'list':
      fx.openDirectory();
      return DIRECTORY_HINT;
    case 'topic': {
      const room = inRoom(fx.room);
      const note = room.visibility === 'private' ? ` (${PRIVATE_TOPIC_NOTE})` : '';
      const shown = fx.title(room);
      if (rest === '') return room.topic ? `topic of ${shown}: ${room.topic}${note}` : `${shown} has no topic`;
      // Only the owner may set it; the server says so too, but a member need not wait to hear it.
      if (room.role !== 'owner') throw new ChatError('forbidden', `only the owner of ${shown} can set its topic; /topic alone shows it`);
      const parsed = Topic.safeParse(rest === '--clear' ? '' : rest);
      if (!parsed.success) throw new ChatError('invalid_request', parsed.error.issues[0]?.message ?? 'not a topic');
      const changed = await api.setTopic(room.id, parsed.data);
      await fx.refreshRooms();
      return changed.topic ? `topic of ${fx.title(changed)} set: ${changed.topic}${note}` : `topic of ${fx.title(changed)} cleared`;
    }
    case 'me': {
      const room = inRoom(fx.room);
      fx.sendMessage(room, `/me ${need(rest, '/me <action>')}`);
      return '';
    }
    case 'edit':
    case 'delete':
    case 'reply':
      return fx.messageAction(name, rest);
    case 'react':
      return fx.messageAction(name, need(rest, '/react <emoji>'));
    case 'help':
      fx.openHelp();
      return 'help: ↑/↓ scroll · Esc close';
    case 'quit':
      fx.quit();
      return 'bye';
    default: {
      const unreachable: never = name;
      return String(unreachable);
    }
  }
}
