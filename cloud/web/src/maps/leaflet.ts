import 'leaflet/dist/leaflet.css';
import { circleMarker, geoJSON, map, tileLayer } from 'leaflet';

// Only what the territory maps use; the chunk is loaded by the pages that draw a map.
export { circleMarker, geoJSON, map, tileLayer };
