/** 20 incidents as the list shows them. */
export const INCIDENTS = Array.from({ length: 20 }, (_, i) => ({
  id: `INC-20261205-${String(i + 1).padStart(6, '0')}`,
  state: ['待签收', '处置中', '待核查', '已结案'][i % 4],
  title: ['楼道堆物占用消防通道', '单元门禁损坏', '二网格井盖缺失', '居民来电：楼上漏水'][i % 4],
  place: `320803001001${String((i % 3) + 1).padStart(3, '0')}`,
}));
export const rendered = () => requestAnimationFrame(() => performance.mark('rendered'));
