/** "18 h", "90 min": a catch-up limit as people read it. */
export function ageText(seconds: number): string {
  return seconds % 3600 === 0 ? `${seconds / 3600} h` : `${Math.round(seconds / 60)} min`;
}
