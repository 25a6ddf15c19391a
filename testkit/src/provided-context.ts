/** Where a service came from: an env var, a throwaway process we started, or a container. */
export type ServiceOrigin = 'env' | 'binary' | 'container';

export type ServiceName = 'postgres' | 'mqtt' | 'influx';

export interface ServiceEndpoint {
  /** postgres://… admin URL, mqtt://host:port, or http://host:port (InfluxDB 1.x). */
  url: string;
  origin: ServiceOrigin;
}

/** What global setup hands to every test worker; must stay structured-clone serializable. */
export type GridlinkServices = Record<ServiceName, ServiceEndpoint>;

declare module 'vitest' {
  export interface ProvidedContext {
    gridlinkServices: GridlinkServices;
  }
}
