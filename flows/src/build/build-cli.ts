import { ensurePalette } from './build-palette.js';

const built = await ensurePalette();
console.log(`built ${built.nodeTypes.length} node sets into ${built.nodesDir}`);
