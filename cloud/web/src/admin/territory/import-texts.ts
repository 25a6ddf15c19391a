import { fill } from '../../i18n.js';

/** The import panel's texts, zh-CN first. */
const TEXTS = {
  title: { zh: '导入辖区数据', en: 'Import territory data' },
  open: { zh: '导入', en: 'Import' },
  close: { zh: '收起', en: 'Close' },
  kind: { zh: '文件内容', en: 'The file holds' },
  boundaries: { zh: '边界（GeoJSON）', en: 'Boundaries (GeoJSON)' },
  buildings: { zh: '楼栋单元（CSV）', en: 'Building units (CSV)' },
  placements: { zh: '设备安装位置（CSV）', en: 'Device placements (CSV)' },
  crs: { zh: '坐标系', en: 'Coordinate system' },
  crsFile: { zh: '按文件声明（未声明按 WGS-84）', en: 'As the file says (WGS-84 if it says nothing)' },
  wgs84: { zh: 'WGS-84（GPS）', en: 'WGS-84 (GPS)' },
  gcj02: { zh: 'GCJ-02（高德、腾讯等国内地图）', en: 'GCJ-02 (AMap, Tencent and other Chinese maps)' },
  file: { zh: '文件', en: 'File' },
  choose: { zh: '选择文件', en: 'Choose a file' },
  noFile: { zh: '未选择文件', en: 'No file chosen' },
  upload: { zh: '上传并预览', en: 'Upload and preview' },
  uploading: { zh: '正在检查文件…', en: 'Checking the file…' },
  chooseFile: { zh: '请先选择文件。', en: 'Choose a file first.' },
  preview: { zh: '预览', en: 'Preview' },
  applied: { zh: '已导入', en: 'Imported' },
  added: { zh: '新增', en: 'Added' },
  changed: { zh: '变更', en: 'Changed' },
  retired: { zh: '撤销', en: 'Retired' },
  unchanged: { zh: '未变', en: 'Unchanged' },
  problems: { zh: '问题', en: 'Problems' },
  readAs: {
    zh: '共 {items} 项；坐标按 {crs} 读取（{source}），编码 {encoding}',
    en: '{items} items; positions read as {crs} ({source}), encoding {encoding}',
  },
  sourceFile: { zh: '文件声明', en: 'the file says so' },
  sourceRequest: { zh: '上传时选择', en: 'chosen on upload' },
  sourceDefault: { zh: '默认', en: 'default' },
  where: { zh: '位置', en: 'Where' },
  feature: { zh: '第 {n} 个要素', en: 'feature {n}' },
  line: { zh: '第 {n} 行', en: 'line {n}' },
  code: { zh: '编码', en: 'Code' },
  field: { zh: '字段', en: 'Field' },
  message: { zh: '问题', en: 'Problem' },
  fix: { zh: '改法', en: 'How to fix' },
  key: { zh: '编码/键', en: 'Code/key' },
  level: { zh: '层级', en: 'Level' },
  name: { zh: '名称', en: 'Name' },
  changes: { zh: '变化', en: 'Changes' },
  listCut: { zh: '列表只显示前 {n} 项，数量为全部。', en: 'Lists show the first {n}; the counts are complete.' },
  apply: { zh: '确认导入', en: 'Apply' },
  applying: { zh: '正在导入…', en: 'Applying…' },
  fixFirst: {
    zh: '文件有 {n} 个问题，改正后重新上传才能导入。',
    en: 'The file has {n} problems: fix them and upload it again to import it.',
  },
  appliedAt: { zh: '已于 {at} 导入，自 {from} 起生效。', en: 'Imported at {at}, in force from {from}.' },
  unregistered: {
    zh: '以下网关尚未登记（位置仍会保存）：{ids}',
    en: 'These gateways are not registered yet (their placements are kept all the same): {ids}',
  },
  nothing: { zh: '无', en: 'None' },
} as const;

export type ImportText = keyof typeof TEXTS;

export function im(key: ImportText, values: Record<string, string | number> = {}): string {
  return fill(TEXTS[key], values);
}
