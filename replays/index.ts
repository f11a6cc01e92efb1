// Public API of replays/ (filled in as the area lands).
export {};
