import { buildPalette } from './build-palette.js';

const built = await buildPalette();
console.log(`built ${built.nodeTypes.length} node sets into ${built.nodesDir}`);
