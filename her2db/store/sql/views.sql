-- Public SQL views of her2db: the stable contract for analysts.
-- Names and listed columns never change; new columns may be added at the end.
-- Created by every `her2db load`; documented column by column on the site.

DROP VIEW IF EXISTS v_studies;
CREATE VIEW v_studies AS
SELECT
    s.id AS study_id,
    s.acronym,
    s.title,
    s.kind,
    s.phase,
    s.setting,
    s.line,
    s.registry_id,
    (SELECT p.n FROM population p WHERE p.study_id = s.id AND p.enrolled ORDER BY p.id LIMIT 1)
        AS n_enrolled,
    s.sponsor,
    s.countries,
    s.period_start,
    s.period_end,
    s.status,
    (SELECT group_concat(b.field || ' (' || b.basis || ')', '; ') FROM (
        SELECT field, basis FROM study_field_basis WHERE study_id = s.id ORDER BY field) b)
        AS fields_not_reported
FROM study s;

DROP VIEW IF EXISTS v_arm_results;
CREATE VIEW v_arm_results AS
SELECT
    r.study_id,
    an.label AS analysis,
    p.label AS population,
    sg.level AS subgroup,
    a.label AS arm,
    r.endpoint,
    r.category,
    r.statistic,
    r.value,
    r.unit,
    r.ci_low,
    r.ci_high,
    r.timepoint_months,
    r.n,
    r.denominator,
    r.source_id,
    r.locator,
    r.not_reached,
    r.not_estimable,
    r.cites,
    r.notes,
    r.id AS result_id,
    a.key AS arm_key,
    sg.category AS subgroup_category,
    r.value_text,
    r.qualifier,
    r.value_upper,
    r.value_upper_text,
    r.ci_low_text,
    r.ci_high_text,
    r.ci_level,
    r.basis,
    r.basis_note,
    r.caution,
    r.quote,
    r.breakdown,
    r.record_id,
    (SELECT count(*) FROM arm_result o WHERE o.record_id = r.record_id) AS reports,
    r.read_at,
    r.checked_by,
    r.checked_on
FROM arm_result r
JOIN arm a ON a.id = r.arm_id
LEFT JOIN analysis an ON an.id = r.analysis_id
LEFT JOIN population p ON p.id = r.population_id
LEFT JOIN subgroup sg ON sg.id = r.subgroup_id
WHERE r.preferred;

DROP VIEW IF EXISTS v_comparisons;
CREATE VIEW v_comparisons AS
SELECT
    c.study_id,
    an.label AS analysis,
    p.label AS population,
    sg.level AS subgroup,
    c.endpoint,
    c.measure,
    e.label AS experimental_arm,
    k.label AS control_arm,
    c.estimate,
    c.ci_low,
    c.ci_high,
    c.p_value,
    c.p_operator,
    c.source_id,
    c.locator,
    c.ci_level,
    c.method,
    c.cites,
    c.notes,
    c.id AS comparison_id,
    sg.category AS subgroup_category,
    sg.n AS subgroup_n,
    c.estimate_text,
    c.unit,
    c.ci_low_text,
    c.ci_high_text,
    c.p_value_text,
    c.basis,
    c.basis_note,
    c.caution,
    c.quote,
    c.record_id,
    (SELECT count(*) FROM comparison o WHERE o.record_id = c.record_id) AS reports,
    c.read_at,
    c.checked_by,
    c.checked_on
FROM comparison c
JOIN arm e ON e.id = c.experimental_arm_id
JOIN arm k ON k.id = c.control_arm_id
LEFT JOIN analysis an ON an.id = c.analysis_id
LEFT JOIN population p ON p.id = c.population_id
LEFT JOIN subgroup sg ON sg.id = c.subgroup_id
WHERE c.preferred;

DROP VIEW IF EXISTS v_adverse_events;
CREATE VIEW v_adverse_events AS
SELECT
    ae.study_id,
    p.label AS population,
    a.label AS arm,
    ae.n_at_risk,
    ae.term,
    ae.category,
    ae.grade,
    ae.n,
    ae.pct,
    ae.source_id,
    ae.locator,
    ae.cites,
    ae.notes,
    ae.id AS adverse_event_id,
    a.key AS arm_key,
    ae.pct_text,
    ae.qualifier,
    ae.p_value,
    ae.p_value_text,
    ae.p_operator,
    v.label AS p_versus_arm,
    ae.basis,
    ae.basis_note,
    ae.caution,
    ae.quote,
    ae.record_id,
    (SELECT count(*) FROM adverse_event o WHERE o.record_id = ae.record_id) AS reports,
    ae.read_at,
    ae.checked_by,
    ae.checked_on
FROM adverse_event ae
JOIN arm a ON a.id = ae.arm_id
LEFT JOIN arm v ON v.id = ae.p_versus_arm_id
LEFT JOIN population p ON p.id = ae.population_id
WHERE ae.preferred;

DROP VIEW IF EXISTS v_characteristics;
CREATE VIEW v_characteristics AS
SELECT
    ch.study_id,
    p.label AS population,
    a.label AS arm,
    ch.name AS characteristic,
    ch.category,
    ch.statistic,
    ch.value,
    ch.unit,
    ch.n,
    ch.source_id,
    ch.locator,
    ch.value_text,
    ch.denominator,
    sg.level AS subgroup,
    ch.cites,
    ch.notes,
    ch.id AS characteristic_id,
    ch.qualifier,
    ch.value_upper,
    ch.value_upper_text,
    ch.basis,
    ch.basis_note,
    ch.caution,
    ch.quote,
    ch.record_id,
    (SELECT count(*) FROM characteristic o WHERE o.record_id = ch.record_id) AS reports,
    ch.read_at,
    ch.checked_by,
    ch.checked_on
FROM characteristic ch
LEFT JOIN population p ON p.id = ch.population_id
LEFT JOIN arm a ON a.id = ch.arm_id
LEFT JOIN subgroup sg ON sg.id = ch.subgroup_id
WHERE ch.preferred;

DROP VIEW IF EXISTS v_sources;
CREATE VIEW v_sources AS
SELECT
    src.id AS source_id,
    src.kind,
    src.citation,
    src.year,
    src.doi,
    src.pmid,
    src.url,
    src.notes
FROM source src;

DROP VIEW IF EXISTS v_study_endpoints;
CREATE VIEW v_study_endpoints AS
SELECT
    se.study_id,
    se.endpoint,
    e.label AS endpoint_label,
    se.role,
    se.assessor,
    se.definition,
    se.source_id,
    se.locator,
    se.notes,
    se.basis,
    se.basis_note,
    se.caution,
    se.record_id
FROM study_endpoint se
JOIN endpoint e ON e.code = se.endpoint;

-- The populations a study describes (ITT, safety, a cohort), with their size as printed.
DROP VIEW IF EXISTS v_populations;
CREATE VIEW v_populations AS
SELECT
    p.study_id,
    p.key AS population,
    p.label,
    p.n,
    p.definition,
    p.enrolled,
    p.source_id,
    p.locator,
    p.cites,
    p.notes,
    p.id AS population_id,
    p.basis,
    p.basis_note,
    p.caution,
    p.quote,
    p.record_id
FROM population p;

-- The analyses (data cuts) a study reports, with their median follow-up as printed.
DROP VIEW IF EXISTS v_analyses;
CREATE VIEW v_analyses AS
SELECT
    an.study_id,
    an.key AS analysis,
    an.label,
    an.data_cutoff,
    an.median_follow_up_months,
    an.source_id,
    an.locator,
    an.median_follow_up_months_text,
    an.cites,
    an.notes,
    an.id AS analysis_id,
    an.basis,
    an.basis_note,
    an.caution,
    an.quote,
    an.record_id
FROM analysis an;

-- Study-level fields that are not simply reported: derived by arithmetic or a curator's reading.
DROP VIEW IF EXISTS v_study_field_basis;
CREATE VIEW v_study_field_basis AS
SELECT
    b.study_id,
    b.field,
    b.basis,
    b.basis_note
FROM study_field_basis b;

-- Every report of every data point: the preferred one (which the other views show) and those of
-- other sources, side by side; also the way to find every number a source gave or is cited for.
DROP VIEW IF EXISTS v_reports;
CREATE VIEW v_reports AS
SELECT study_id, record_id, 'result' AS kind, preferred, source_id, cites, locator, read_at,
       coalesce(qualifier || ' ', '') || coalesce(value_text, CASE WHEN not_reached THEN 'NR'
            WHEN not_estimable THEN 'NE' END, '') || coalesce('–' || value_upper_text, '') AS value_text,
       value, ci_low_text, ci_high_text, NULL AS p_value_text, n, denominator, unit,
       basis, notes, checked_by, checked_on, id AS row_id, quote
FROM arm_result
UNION ALL
SELECT study_id, record_id, 'comparison', preferred, source_id, cites, locator, read_at,
       estimate_text, estimate, ci_low_text, ci_high_text, coalesce(p_operator || ' ', '') || p_value_text,
       NULL, NULL, unit, basis, notes, checked_by, checked_on, id, quote
FROM comparison
UNION ALL
SELECT study_id, record_id, 'adverse event', preferred, source_id, cites, locator, read_at,
       coalesce(qualifier || ' ', '') || pct_text, pct, NULL, NULL, coalesce(p_operator || ' ', '') || p_value_text,
       n, n_at_risk, CASE WHEN pct IS NOT NULL THEN '%' END, basis, notes, checked_by, checked_on, id, quote
FROM adverse_event
UNION ALL
SELECT study_id, record_id, 'characteristic', preferred, source_id, cites, locator, read_at,
       coalesce(qualifier || ' ', '') || coalesce(value_text, '') || coalesce('–' || value_upper_text, ''),
       value, NULL, NULL, NULL, n, denominator, unit, basis, notes, checked_by, checked_on, id, quote
FROM characteristic;

-- ESMO-MCBS v1.1 preliminary grades computed by the load (model/mcbs.py), one row per randomized
-- study: never an official ESMO-MCBS score. grade is empty when not scorable; reason says why.
DROP VIEW IF EXISTS v_mcbs;
CREATE VIEW v_mcbs AS
SELECT
    m.study_id,
    m.form,
    m.grade,
    m.reason,
    m.version,
    m.band,
    m.threshold_row,
    m.endpoint,
    m.analysis,
    m.population,
    m.hr,
    m.hr_text,
    m.hr_lower_limit,
    m.hr_lower_limit_text,
    m.hr_upper_limit_text,
    m.control_median,
    m.control_median_text,
    m.experimental_median,
    m.experimental_median_text,
    m.gain,
    m.gain_text,
    m.hr_record_id,
    m.control_record_id,
    m.experimental_record_id
FROM mcbs_grade m;
