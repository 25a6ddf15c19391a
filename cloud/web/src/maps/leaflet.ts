import 'leaflet/dist/leaflet.css';
import { geoJSON, map, tileLayer } from 'leaflet';

// Only what the territory maps use; the chunk is loaded by the pages that draw a map.
export { geoJSON, map, tileLayer };
