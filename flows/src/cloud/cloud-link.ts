import type { Node } from 'node-red';

/** What a `gridlink-cloud` config node offers the nodes that use it. */
export interface CloudLink {
  /** The cloud's base URL, e.g. https://cloud.example.cn/ (always ending in "/"). */
  readonly url: string;
  /**
   * `fetch` against the cloud with the API token as `Authorization: Bearer <token>`. `path` is
   * relative to the base URL (`api/v1/incidents`); the token never leaves for another origin.
   */
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

export interface CloudConfigNode extends Node {
  cloud: CloudLink;
}

/** The cloud config node a node names, or a reason it cannot be used. */
export function cloudLinkOf(
  getNode: (id: string) => Node | null | undefined,
  id: string | undefined,
): CloudLink | string {
  if (!id) return 'no cloud: choose a gridlink-cloud config node';
  const node = getNode(id) as CloudConfigNode | null | undefined;
  if (node?.type !== 'gridlink-cloud' || !node.cloud) return `cloud config node ${id} is missing`;
  return node.cloud;
}
