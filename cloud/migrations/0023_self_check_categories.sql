-- Separation of duties (domain §3): whoever signed for or finished the work does not check it, except
-- in the categories (with their children) the tenant lists here, e.g. small things a grid worker
-- handles and checks alone. Depends on 0014.
ALTER TABLE incident_settings ADD COLUMN self_check_categories text[] NOT NULL DEFAULT '{}';
