import { connectFromPage } from './client.ts';

/**
 * The page's one API client, made by the first module the page evaluates: the socket's handshake
 * then runs while React and the app are still being evaluated (a hundred milliseconds and more
 * on a slow machine), instead of starting after them.
 */
export const pageClient = connectFromPage();
