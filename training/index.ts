// Public API of training/ (filled in as the area lands).
export {};
