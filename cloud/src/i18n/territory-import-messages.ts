import type { Template } from './catalogue.js';

/**
 * What a territory import says about a file, zh-CN first; part of the cloud's message catalogue.
 * Each problem `territory_import.<kind>` has its fix `territory_import.<kind>.fix`.
 */
export const TERRITORY_IMPORT_MESSAGES: Record<string, Template> = {
  'territory_import.not_json': {
    'zh-CN': '文件不是 JSON：{detail}',
    en: 'the file is not JSON: {detail}',
  },
  'territory_import.not_json.fix': {
    'zh-CN': '请从地图软件重新导出 GeoJSON（UTF-8 编码）',
    en: 'export the GeoJSON again from the map software (UTF-8)',
  },
  'territory_import.not_feature_collection': {
    'zh-CN': '文件不是 GeoJSON 要素集（FeatureCollection）',
    en: 'the file is not a GeoJSON FeatureCollection ("type": "FeatureCollection")',
  },
  'territory_import.not_feature_collection.fix': {
    'zh-CN': '导出为要素集（FeatureCollection），每个区划一个要素',
    en: 'export a FeatureCollection with one Feature per territory unit',
  },
  'territory_import.empty': {
    'zh-CN': '文件中没有可导入的内容',
    en: 'the file holds nothing to import',
  },
  'territory_import.empty.fix': {
    'zh-CN': '检查导出的文件是否选对了图层或工作表',
    en: 'check the export took the right layer or sheet',
  },
  'territory_import.crs_unknown': {
    'zh-CN': '无法识别坐标系 {value}',
    en: 'the coordinate system {value} is not understood',
  },
  'territory_import.crs_unknown.fix': {
    'zh-CN': '在文件顶层写 coordinate_system 为 wgs84 或 gcj02，或上传时选择坐标系',
    en: 'put "coordinate_system": "wgs84" or "gcj02" at the top of the file, or give the crs parameter',
  },
  'territory_import.crs_conflict': {
    'zh-CN': '文件声明坐标系为 {file}，请求指定为 {request}',
    en: 'the file says its coordinates are {file}, the request says {request}',
  },
  'territory_import.crs_conflict.fix': {
    'zh-CN': '上传时不选坐标系，或更正文件中的坐标系',
    en: 'drop the crs parameter, or correct the coordinate system in the file',
  },
  'territory_import.feature_invalid': {
    'zh-CN': '第 {index} 个要素缺少属性或图形，不是有效的要素',
    en: 'feature {index} is not a Feature with properties and a geometry',
  },
  'territory_import.feature_invalid.fix': {
    'zh-CN': '每个要素须含属性（properties.code 等）和图形（面）',
    en: 'each feature is {"type": "Feature", "properties": {...}, "geometry": {...}}',
  },
  'territory_import.code_missing': {
    'zh-CN': '要素缺少区划编码（properties.code）',
    en: 'the feature has no code property',
  },
  'territory_import.code_missing.fix': {
    'zh-CN': '填写 properties.code（6/9/12/15/18 位数字）',
    en: 'give properties.code (9, 12, 15 or 18 digits)',
  },
  'territory_import.code_malformed': {
    'zh-CN': '{code} 不是有效的区划编码（6/9/12/15/18 位数字，每段 001–999）',
    en: '{code} is not a territory code: {problem}',
  },
  'territory_import.code_malformed.fix': {
    'zh-CN': '按“区 6 位 + 街道 3 位 + 社区 3 位 + 网格 3 位 + 微网格 3 位”更正编码',
    en: 'correct the code: district 6 digits + street 3 + community 3 + grid 3 + micro-grid 3',
  },
  'territory_import.name_missing': {
    'zh-CN': '{code} 缺少中文名称（properties.name_zh，最多 100 字）',
    en: '{code} has no Chinese name (name_zh or name, at most 100 characters)',
  },
  'territory_import.name_missing.fix': {
    'zh-CN': '填写 properties.name_zh',
    en: 'give properties.name_zh',
  },
  'territory_import.duplicate_code': {
    'zh-CN': '编码 {code} 重复：第 {other} 项已使用',
    en: 'code {code} is repeated: item {other} has it already',
  },
  'territory_import.duplicate_code.fix': {
    'zh-CN': '每个编码只保留一项：合并或更正重复的一项',
    en: 'keep one item per code: merge or correct the repeated one',
  },
  'territory_import.parent_missing': {
    'zh-CN': '{code} 的上级 {parent} 既不在文件中也未登记',
    en: 'the parent {parent} of {code} is neither in the file nor stored',
  },
  'territory_import.parent_missing.fix': {
    'zh-CN': '把上级区划加入文件，或先导入上级',
    en: 'add the parent to the file, or import it first',
  },
  'territory_import.geometry_type': {
    'zh-CN': '{code} 的图形不是面（多边形或多多边形），而是 {type}',
    en: 'the geometry of {code} is not a Polygon or MultiPolygon but {type}',
  },
  'territory_import.geometry_type.fix': {
    'zh-CN': '以面（多边形）导出边界',
    en: 'export the boundary as a polygon',
  },
  'territory_import.ring_invalid': {
    'zh-CN': '{code} 的第 {ring} 个环无效：{reason@ring_reason}',
    en: 'ring {ring} of {code} is invalid: {reason@ring_reason}',
  },
  'territory_import.ring_invalid.fix': {
    'zh-CN': '在地图软件中修复该边界（至少 3 个不同顶点，首尾相同，坐标为经度、纬度）',
    en: 'repair the boundary in the map software (3 distinct corners at least, closed, [longitude, latitude])',
  },
  'territory_import.self_intersection': {
    'zh-CN': '{code} 的边界自相交（{count} 处，首处约在 {lon}, {lat}）',
    en: 'the boundary of {code} crosses itself ({count} places, the first near {lon}, {lat})',
  },
  'territory_import.self_intersection.fix': {
    'zh-CN': '在交叉处重新绘制边界，使边不相交',
    en: 'redraw the boundary where it crosses so that no edges cross',
  },
  'territory_import.outside_parent': {
    'zh-CN': '{code} 有 {area} 平方米（{share}%）在上级 {parent} 之外，超过容差',
    en: '{area} m² ({share}%) of {code} lies outside its parent {parent}, beyond the tolerance',
  },
  'territory_import.outside_parent.fix': {
    'zh-CN': '把边界收进上级范围内，或同时修正上级边界',
    en: 'draw the boundary inside its parent, or correct the parent’s too',
  },
  'territory_import.sibling_overlap': {
    'zh-CN': '{code} 与 {other} 重叠 {area} 平方米（{share}%），超过容差',
    en: '{code} overlaps {other} by {area} m² ({share}%), beyond the tolerance',
  },
  'territory_import.sibling_overlap.fix': {
    'zh-CN': '沿共同边界重新绘制两者，使其不重叠',
    en: 'redraw both along their shared edge so that they do not overlap',
  },
  'territory_import.sibling_gap': {
    'zh-CN': '{parent} 有 {area} 平方米（{share}%）不属于任何下级{level@level}，超过容差',
    en: '{area} m² ({share}%) of {parent} is in none of its {level@level}s, beyond the tolerance',
  },
  'territory_import.sibling_gap.fix': {
    'zh-CN': '扩展相邻的下级边界以覆盖空隙，或为空隙新建一个下级',
    en: 'extend a neighbouring boundary over the gap, or add a unit for it',
  },
  'territory_import.csv_unreadable': {
    'zh-CN': 'CSV 无法读取：{detail}',
    en: 'the CSV cannot be read: {detail}',
  },
  'territory_import.csv_unreadable.fix': {
    'zh-CN': '用表格软件另存为 CSV（UTF-8 或 GB18030）后重试',
    en: 'save the sheet as CSV (UTF-8 or GBK) again',
  },
  'territory_import.column_missing': {
    'zh-CN': 'CSV 缺少列 {column}',
    en: 'the CSV has no column {column}',
  },
  'territory_import.column_missing.fix': {
    'zh-CN': '首行须包含列名：{columns}',
    en: 'the first line names the columns: {columns}',
  },
  'territory_import.value_invalid': {
    'zh-CN': '{field} 的值 {value} 无效：应为{expected@expected}',
    en: '{field} of {value} is invalid: expected {expected@expected}',
  },
  'territory_import.value_invalid.fix': {
    'zh-CN': '更正该单元格后重新导入',
    en: 'correct the cell and import again',
  },
  'territory_import.duplicate_row': {
    'zh-CN': '与第 {other} 行重复（{key}）',
    en: 'repeats line {other} ({key})',
  },
  'territory_import.duplicate_row.fix': {
    'zh-CN': '删除重复的行，或更正其中一行',
    en: 'delete the repeated line, or correct one of them',
  },
  'territory_import.unit_unknown': {
    'zh-CN': '{level@level} {code} 未登记',
    en: '{level@level} {code} is not stored',
  },
  'territory_import.unit_unknown.fix': {
    'zh-CN': '先导入边界（GeoJSON 文件），再导入此文件',
    en: 'import the boundaries (GeoJSON) first, then this file',
  },
  'territory_import.grid_other_community': {
    'zh-CN': '网格 {grid} 不属于社区 {community}',
    en: 'grid {grid} is not in community {community}',
  },
  'territory_import.grid_other_community.fix': {
    'zh-CN': '更正社区或网格编码（网格编码的前 12 位即其社区）',
    en: 'correct the community or the grid (a grid code’s first 12 digits are its community)',
  },
  'territory_import.building_unknown': {
    'zh-CN': '社区 {community} 没有 {building} 栋 {unit} 单元',
    en: 'community {community} has no building {building} unit {unit}',
  },
  'territory_import.building_unknown.fix': {
    'zh-CN': '先导入楼栋 CSV，或更正楼栋和单元',
    en: 'import the buildings CSV first, or correct the building and unit',
  },
  'territory_import.building_other_grid': {
    'zh-CN': '{building} 栋 {unit} 单元属于网格 {stored}，不是 {grid}',
    en: 'building {building} unit {unit} belongs to grid {stored}, not {grid}',
  },
  'territory_import.building_other_grid.fix': {
    'zh-CN': '更正网格编码',
    en: 'correct the grid code',
  },
  'territory_import.floor_above': {
    'zh-CN': '{building} 栋 {unit} 单元只有 {floors} 层，没有 {floor} 层',
    en: 'building {building} unit {unit} has {floors} floors, not {floor}',
  },
  'territory_import.floor_above.fix': {
    'zh-CN': '更正楼层，或先更新楼栋的层数',
    en: 'correct the floor, or update the building’s floors first',
  },
  'territory_import.placement_not_after': {
    'zh-CN': '{device} 的安装时间 {installed_at} 不晚于其当前位置的安装时间 {current}',
    en: 'installed_at {installed_at} of {device} is not after {current}, when its current placement began',
  },
  'territory_import.placement_not_after.fix': {
    'zh-CN': '移机须填写晚于上次安装的时间',
    en: 'a device moved is given a time after its last installation',
  },
  'territory_import.position_pair': {
    'zh-CN': '经度和纬度须同时填写或同时留空',
    en: 'lon and lat are given together or not at all',
  },
  'territory_import.position_pair.fix': {
    'zh-CN': '补全或清空经纬度',
    en: 'fill in or clear both',
  },
  'territory_import.stale': {
    'zh-CN': '预览 {id} 之后区划已变化：请重新上传文件生成新的预览',
    en: 'the territory changed after preview {id}: upload the file again for a new preview',
  },
  'territory_import.has_problems': {
    'zh-CN': '预览 {id} 有 {count} 个问题，不能应用：请修正文件后重新上传',
    en: 'preview {id} has {count} problems and cannot be applied: correct the file and upload it again',
  },
  'territory_import.already_applied': {
    'zh-CN': '预览 {id} 已于 {at} 应用',
    en: 'preview {id} was applied at {at} already',
  },
  'territory_import.not_found': {
    'zh-CN': '没有编号为 {id} 的区划导入',
    en: 'there is no territory import {id}',
  },
  'territory_import.forbidden': {
    'zh-CN': '只有管辖文件中全部区划（{root}）的区级管理员可以导入',
    en: 'only a district admin over every unit of the file ({root}) may import it',
  },
  'territory_import.forbidden_any': {
    'zh-CN': '只有区级管理员可以导入区划',
    en: 'only district admins import territory',
  },
  'territory_import.valid_from_order': {
    'zh-CN': '生效时间 {valid_from} 不晚于 {code} 当前边界的生效时间 {current}',
    en: 'valid_from {valid_from} is not after {current}, when the current area of {code} began',
  },
};

/** Ways a ring is broken, named in `territory_import.ring_invalid`. */
export const RING_REASONS: Record<string, Template> = {
  too_short: { 'zh-CN': '少于 4 个坐标', en: 'fewer than 4 positions' },
  not_closed: { 'zh-CN': '首尾坐标不同（未闭合）', en: 'its last position is not its first (not closed)' },
  bad_position: {
    'zh-CN': '含有不是 [经度, 纬度] 的坐标',
    en: 'a position is not [longitude, latitude] in range',
  },
  no_area: { 'zh-CN': '面积为零（顶点重合或共线）', en: 'it encloses no area (corners repeat or are in a line)' },
};

/** What a CSV cell was expected to hold, named in `territory_import.value_invalid`. */
export const EXPECTED_VALUES: Record<string, Template> = {
  community_code: { 'zh-CN': '12 位社区编码', en: 'a 12-digit community code' },
  grid_code: { 'zh-CN': '15 位网格编码', en: 'a 15-digit grid code' },
  label: { 'zh-CN': '1–32 个字符', en: '1 to 32 characters' },
  floors: { 'zh-CN': '1–200 的整数', en: 'a whole number 1 to 200' },
  households: { 'zh-CN': '0–10000 的整数', en: 'a whole number 0 to 10000' },
  floor: { 'zh-CN': '-10–200 的整数', en: 'a whole number -10 to 200' },
  lon: { 'zh-CN': '-180–180 的经度', en: 'a longitude -180 to 180' },
  lat: { 'zh-CN': '-90–90 的纬度', en: 'a latitude -90 to 90' },
  gateway_id: { 'zh-CN': '网关编号（小写字母、数字和 -）', en: 'a gateway id (a-z, 0-9 and -)' },
  device_id: { 'zh-CN': '设备编号', en: 'a device id' },
  instant: {
    'zh-CN': '带时区的时间，如 2026-12-01T08:00:00+08:00',
    en: 'a time with its zone, e.g. 2026-12-01T08:00:00+08:00',
  },
  unit_with_building: { 'zh-CN': '与楼栋同时填写', en: 'given with the building' },
};
