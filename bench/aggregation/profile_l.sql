-- Profile L (performance.md) generated inside PostgreSQL: 100,000 enterprises, 8 indicators x
-- 12 months of KPIs (~9.6 M measurements), ~300,000 participants, enrolments, sessions,
-- attendance, visits and supplier links. Deterministic (setseed). Parameters via psql -v:
-- enterprises, months. Assumes a migrated, otherwise empty database.
\set ON_ERROR_STOP on
SELECT setseed(0.42);

BEGIN;
INSERT INTO partners_organisation (created_at, updated_at, name, short_name, kind, countries, website)
SELECT now(), now(), 'International Labour Organization', 'ILO', 'ilo', '', '';
INSERT INTO partners_organisation (created_at, updated_at, name, short_name, kind, countries, website)
SELECT now(), now(), 'Partner ' || n, 'P' || n, 'partner',
       'CN,IN,VN,ID,BD,TR,GH,ZA,CO,PE,BO,MM,LK,ET,TN', ''
FROM generate_series(1, 20) n;
INSERT INTO partners_organisation (created_at, updated_at, name, short_name, kind, countries, website)
SELECT now(), now(), 'Brand ' || n, 'B' || n, 'brand', '', '' FROM generate_series(1, 30) n;

INSERT INTO partners_licence (created_at, updated_at, reference, countries, valid_from, valid_until, status, partner_id)
SELECT now(), now(), 'L-' || o.id, o.countries, DATE '2015-01-01', DATE '2035-12-31', 'active', o.id
FROM partners_organisation o WHERE o.kind = 'partner';
INSERT INTO partners_licence_modules (licence_id, trainingmodule_id)
SELECT l.id, m.id FROM partners_licence l CROSS JOIN modules_trainingmodule m;

INSERT INTO trainers_trainer (created_at, updated_at, full_name, email, countries, languages, gender, organisation_id)
SELECT now(), now(), 'Trainer ' || o.id || '-' || n, 'trainer' || o.id || '-' || n || '@example.org',
       'CN', '["en"]', CASE WHEN n % 2 = 0 THEN 'female' ELSE 'male' END, o.id
FROM partners_organisation o CROSS JOIN generate_series(1, 25) n WHERE o.kind = 'partner';

-- Enterprises: 15 countries, 10 sectors, 20 partners, 50..2,000 employees.
CREATE TEMP TABLE country_list AS
SELECT row_number() OVER () - 1 AS position, code
FROM unnest(string_to_array('CN,IN,VN,ID,BD,TR,GH,ZA,CO,PE,BO,MM,LK,ET,TN', ',')) code;
CREATE TEMP TABLE sector_list AS
SELECT row_number() OVER () - 1 AS position, code
FROM unnest(string_to_array('garments,footwear,electronics,automotive,food,furniture,chemicals,metal,hospitality,other', ',')) code;
CREATE TEMP TABLE partner_list AS
SELECT row_number() OVER (ORDER BY id) - 1 AS position, id FROM partners_organisation WHERE kind = 'partner';

INSERT INTO enterprises_enterprise (created_at, updated_at, name, country, city, sector, os_id,
    employees_total, employees_female, registration_number, status, partner_id)
SELECT now(), now(), 'Enterprise ' || n, c.code, 'City', s.code, '',
       t.total, (t.total * (0.2 + random() * 0.6))::int, '', 'active', p.id
FROM generate_series(1, :enterprises) n
CROSS JOIN LATERAL (SELECT (50 + random() * 1950)::int AS total) t
JOIN country_list c ON c.position = (n * 7) % 15
JOIN sector_list s ON s.position = (n * 3 + n / 15) % 10
JOIN partner_list p ON p.position = (n * 11 + n / 7) % 20;

-- Enrolments: everyone in WCO; QM 60 %, CP 40 %, HRM 25 %, OSH 25 %; 5 % withdrawn.
INSERT INTO modules_enrolment (created_at, updated_at, status, started_on, completed_on, fee_amount,
    fee_currency, paid_by, enterprise_id, lead_trainer_id, partner_id, module_id)
SELECT now(), now(), x.status,
       x.started_on, CASE WHEN x.status = 'completed' THEN x.started_on + 120 END,
       1000, 'USD', 'enterprise', e.id, NULL, e.partner_id, m.id
FROM enterprises_enterprise e
JOIN modules_trainingmodule m ON m.code = 'WCO'
    OR (m.code = 'QM' AND e.id % 10 < 6) OR (m.code = 'CP' AND e.id % 10 < 4)
    OR (m.code = 'HRM' AND e.id % 4 = 0) OR (m.code = 'OSH' AND e.id % 4 = 1)
CROSS JOIN LATERAL (
    SELECT CASE WHEN r < 0.05 THEN 'withdrawn' WHEN r < 0.55 THEN 'completed'
                WHEN r < 0.75 THEN 'consulting' WHEN r < 0.9 THEN 'classroom' ELSE 'planned' END AS status,
           DATE '2024-01-01' + (m."order" * 60 + (e.id % 300))::int AS started_on
    FROM (SELECT random() + 0 * e.id * m.id AS r) rr
) x;

-- Classroom sessions: one per (partner, country, module, month-ish batch of ~8 enterprises).
CREATE TEMP TABLE enterprise_batch AS
SELECT e.id AS enterprise_id, e.partner_id, e.country, en.module_id, en.id AS enrolment_id,
       (row_number() OVER (PARTITION BY e.partner_id, e.country, en.module_id ORDER BY e.id) - 1) / 8 AS batch
FROM enterprises_enterprise e JOIN modules_enrolment en ON en.enterprise_id = e.id
WHERE en.status NOT IN ('planned', 'withdrawn');
INSERT INTO modules_classroomsession (created_at, updated_at, starts_on, ends_on, venue, city, country, partner_id, module_id)
SELECT now(), now(), DATE '2024-02-01' + batch::int, DATE '2024-02-02' + batch::int,
       'Centre ' || partner_id || '/' || module_id || '/' || batch, 'City', country, partner_id, module_id
FROM (SELECT DISTINCT partner_id, country, module_id, batch FROM enterprise_batch) b;

-- Participants: 3 per enterprise (one manager, two workers; mixed genders).
INSERT INTO enterprises_participant (created_at, updated_at, full_name, role, gender, contract, is_eit_member, enterprise_id)
SELECT now(), now(), 'Participant ' || e.id || '-' || k,
       CASE WHEN k = 1 THEN 'manager' ELSE 'worker' END,
       (ARRAY['female', 'male', 'female', 'male', 'other', 'undisclosed'])[1 + (e.id + k) % 6],
       'permanent', k < 3, e.id
FROM enterprises_enterprise e CROSS JOIN generate_series(1, 3) k;

-- Attendance: each participant in each session of its enterprise's batches; ~5 % attended 0 days.
INSERT INTO modules_attendance (created_at, updated_at, days_attended, participant_id, session_id)
SELECT now(), now(), CASE WHEN random() < 0.05 THEN 0 WHEN random() < 0.2 THEN 1 ELSE 2 END, p.id, s.id
FROM enterprise_batch b
JOIN modules_classroomsession s ON s.partner_id = b.partner_id AND s.country = b.country
    AND s.module_id = b.module_id AND s.venue = 'Centre ' || b.partner_id || '/' || b.module_id || '/' || b.batch
JOIN enterprises_participant p ON p.enterprise_id = b.enterprise_id AND (p.id + b.module_id) % 3 <> 0;

-- Consultation visits: two per started enrolment.
INSERT INTO modules_consultationvisit (created_at, updated_at, kind, visited_on, duration_hours,
    eit_members_present, summary, next_steps, trainer_id, enrolment_id)
SELECT now(), now(), 'follow_up', DATE '2024-03-01' + k * 30, 4, 3, '', '', t.id, b.enrolment_id
FROM enterprise_batch b CROSS JOIN generate_series(1, 2) k
JOIN LATERAL (SELECT id FROM trainers_trainer WHERE organisation_id = b.partner_id ORDER BY id LIMIT 1) t ON true;

-- Supplier links: ~30 % of enterprises, 80 % granted, 10 % requested, 10 % revoked.
INSERT INTO partners_supplierlink (created_at, updated_at, requested_enterprise_id, requested_os_id,
    status, requested_at, decided_at, brand_id, decided_by_id, enterprise_id, requested_by_id)
SELECT now(), now(), e.id, '',
       CASE WHEN e.id % 10 < 8 THEN 'granted' WHEN e.id % 10 = 8 THEN 'requested' ELSE 'revoked' END,
       now(), CASE WHEN e.id % 10 <> 8 THEN now() END, b.id, NULL, e.id, NULL
FROM enterprises_enterprise e
JOIN (SELECT row_number() OVER (ORDER BY id) - 1 AS position, id FROM partners_organisation WHERE kind = 'brand') b
  ON b.position = (e.id * 13) % 30
WHERE e.id % 100 < 30;
COMMIT;

-- KPI measurements: baseline at the first month, then monthly values drifting towards
-- improvement with noise; 1 % of series without a baseline, 0.5 % with a zero baseline.
BEGIN;
CREATE TEMP TABLE series AS
SELECT e.id AS enterprise_id, i.id AS indicator_id, i.direction, i.is_percentage,
       1 + random() * 20 AS value, random() * 0.05 - 0.01 AS trend
FROM enterprises_enterprise e CROSS JOIN reports_indicator i;
INSERT INTO reports_kpimeasurement (created_at, updated_at, period, value, is_baseline, source, note,
    enterprise_id, indicator_id, reported_by_id, verified_by_id)
SELECT now(), now(),
       (date_trunc('month', CURRENT_DATE) - make_interval(months => :months - 1 - k))::date,
       round(least(CASE WHEN s.is_percentage THEN 100 ELSE 1e9 END,
             CASE WHEN k = 0 AND s.enterprise_id % 200 = 7 THEN 0
                  ELSE greatest(0, s.value * (1 + (CASE WHEN s.direction = 'higher' THEN 1 ELSE -1 END)
                        * k * s.trend + (random() - 0.5) * 0.1)) END)::numeric, 4),
       k = 0, 'records', '', s.enterprise_id, s.indicator_id, NULL, NULL
FROM series s CROSS JOIN generate_series(0, :months - 1) k
WHERE NOT (k = 0 AND s.enterprise_id % 100 = 3)
ORDER BY s.enterprise_id, s.indicator_id, k;
COMMIT;
VACUUM ANALYZE;
