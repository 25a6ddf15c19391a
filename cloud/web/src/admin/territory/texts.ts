import { fill } from '../../i18n.js';

/** The territory page's texts, zh-CN first. */
const TEXTS = {
  title: { zh: '辖区', en: 'Territory' },
  search: { zh: '按编码或名称查找', en: 'Find by code or name' },
  noMatch: { zh: '没有编码或名称含「{q}」的区划', en: 'No unit whose code or name holds “{q}”' },
  loading: { zh: '正在读取辖区…', en: 'Reading the territory…' },
  empty: { zh: '尚无辖区数据', en: 'No territory yet' },
  emptyHint: {
    zh: '导入辖区边界后，这里显示街道、社区和网格及其地图。请准备 GeoJSON 文件（每个区划一个面要素，属性 code、name_zh、name_en），{how}',
    en: 'Once boundaries are imported, streets, communities and grids show here with their map. Prepare a GeoJSON file (one polygon feature per unit, properties code, name_zh, name_en), {how}',
  },
  emptyHow: {
    zh: '在下方「导入辖区数据」中上传，检查预览无误后确认导入；楼栋和设备位置可随后以 CSV 导入。',
    en: 'upload it below under “Import territory data”, check the preview and apply it; building units and device placements follow as CSV.',
  },
  street: { zh: '街道', en: 'Street' },
  community: { zh: '社区', en: 'Community' },
  grid: { zh: '网格', en: 'Grid' },
  micro_grid: { zh: '微网格', en: 'Micro-grid' },
  district: { zh: '区', en: 'District' },
  countStreets: { zh: '{n} 个街道', en: '{n} streets' },
  countCommunities: { zh: '{n} 个社区', en: '{n} communities' },
  countGrids: { zh: '{n} 个网格', en: '{n} grids' },
  code: { zh: '编码', en: 'Code' },
  name: { zh: '名称', en: 'Name' },
  contains: { zh: '下辖', en: 'Contains' },
  parent: { zh: '上级', en: 'Parent' },
  mapLabel: { zh: '{name}下辖区划地图', en: 'Map of the units under {name}' },
  mapHint: { zh: '悬停查看编码和名称，点击进入下级。', en: 'Hover for code and name; click to go down a level.' },
  noChildren: { zh: '{name}下没有已划定范围的区划。', en: 'No unit with an area under {name}.' },
  up: { zh: '返回上级', en: 'Up a level' },
  noScope: {
    zh: '您的账号没有区或街道管理范围，无法查看辖区。',
    en: 'Your account administers no district or street, so there is no territory to show.',
  },
} as const;

export type TerritoryText = keyof typeof TEXTS;

export function tt(key: TerritoryText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}
