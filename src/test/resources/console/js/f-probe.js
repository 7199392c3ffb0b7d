// Served by ConsoleTest only, to check the console's headers on a script.
export const probe = true;
