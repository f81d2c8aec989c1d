// Training helpers: callbacks for explicit loops (and, later, fit/progress/history).
export * from "./callbacks";
