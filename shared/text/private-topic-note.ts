/**
 * What every surface says wherever a private room's topic is set or shown: unlike its messages, the
 * topic is stored on the server in plain text (so members who join later can read it), and the
 * server can read it.
 */
export const PRIVATE_TOPIC_NOTE = 'the topic of a private room is not end-to-end encrypted: the server stores it in plain text and can read it';

/**
 * The same, short, for a one-line header or list row: shown before the topic, so a long topic cannot
 * hide it, and short, so it does not hide the topic at 80–100 columns. The full words
 * ({@link PRIVATE_TOPIC_NOTE}) come with `/topic`, `/help` and `chat create`.
 */
export const PRIVATE_TOPIC_TAG = 'topic (not encrypted):';
