-- The category taxonomy (大类 → 小类 → 事项) and its time limits: tenant data that administrators
-- edit, seeded from domain §6 (cloud/src/categories/seeds.ts).
CREATE TABLE categories (
  code text PRIMARY KEY,
  parent_code text REFERENCES categories (code),
  level smallint NOT NULL CHECK (level BETWEEN 1 AND 3),
  name_zh text NOT NULL,
  name_en text NOT NULL,
  default_severity text NOT NULL,
  -- Which kind of unit handles it (property company, gas company, urban management…).
  unit_type text,
  -- Device maintenance is not a governance incident: it goes to the property company.
  governance boolean NOT NULL DEFAULT true,
  urban_management_code text,
  filing_condition text NOT NULL DEFAULT '',
  closing_condition text NOT NULL DEFAULT '',
  -- Sources allowed to report it (iot, patrol, hotline_12345…); empty means any.
  allowed_sources jsonb NOT NULL DEFAULT '[]',
  active boolean NOT NULL DEFAULT true,
  updated_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX categories_parent ON categories (parent_code);

-- Per category × severity × step. '*' is "any": the most specific row wins, then the parent
-- category's, then the tenant default (category '*').
CREATE TABLE category_time_limits (
  category_code text NOT NULL,
  severity text NOT NULL,
  step text NOT NULL,
  value integer NOT NULL CHECK (value > 0),
  unit text NOT NULL,
  PRIMARY KEY (category_code, severity, step)
);
