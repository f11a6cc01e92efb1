// Public API of agents/ (filled in as the area lands).
export {};
