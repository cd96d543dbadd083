// graphile.config.mjs plus @graphile/pg-aggregates 0.2.0-rc.2 (the V5 release candidate:
// `aggregates { sum { col } }` on connections), for the aggregate pair only. Same env settings;
// PORT defaults to 5779 here.
import { PgAggregatesPreset } from "@graphile/pg-aggregates";
import base from "./graphile.config.mjs";
export default {
  ...base,
  extends: [...base.extends, PgAggregatesPreset],
  grafserv: { ...base.grafserv, port: Number(process.env.PORT || 5779) },
};
