/**
 * Series colours: Kenneth Kelly's colours of maximum contrast (white and black left out,
 * the page is white and text is near black), in his order, so the first series differ
 * most. Past twenty series, hues step by the golden angle; no two series of one chart
 * ever share a colour (palette.test.ts).
 */

export { KELLY, palette };

const KELLY = [
  "#f38400", // orange
  "#875692", // purple
  "#0067a5", // blue
  "#be0032", // red
  "#008856", // green
  "#f3c300", // yellow
  "#a1caf1", // light blue
  "#c2b280", // buff
  "#848482", // grey
  "#e68fac", // pink
  "#f99379", // yellowish pink
  "#604e97", // violet
  "#f6a600", // orange yellow
  "#b3446c", // purplish red
  "#dcd300", // greenish yellow
  "#882d17", // reddish brown
  "#8db600", // yellow green
  "#654522", // yellowish brown
  "#e25822", // reddish orange
  "#2b3d26", // olive green
] as const;

/** `count` colours, all different. */
function palette(count: number): string[] {
  const colours: string[] = KELLY.slice(0, count);
  for (let i = colours.length; i < count; i += 1) {
    // 137.5°: consecutive hues land far apart; lightness alternates between two levels.
    const hue = ((i - KELLY.length) * 137.508) % 360;
    colours.push(`hsl(${hue.toFixed(1)} 70% ${i % 2 === 0 ? 40 : 55}%)`);
  }
  return colours;
}
