"""The plpgsql function the PostgreSQL recorder calls: one call inserts a whole group commit."""

INSERT_FUNCTION = """
CREATE OR REPLACE FUNCTION {schema}.{function}(saves int[], ids {id_type}[], versions bigint[],
  topics text[], states bytea[], careful bool, resent bool)
RETURNS SETOF bigint LANGUAGE plpgsql AS $BODY$
BEGIN
  {set_lock_timeout}
  -- Writers queue here, so positions are taken and become visible in commit order. An
  -- advisory lock, not LOCK TABLE: that needs UPDATE, DELETE or TRUNCATE on the events table,
  -- which the application's role must not have (INSERT and SELECT only).
  PERFORM pg_advisory_xact_lock(hashtext('{schema}.{table}'));
  NOTIFY {channel};
  IF NOT careful THEN
    RETURN QUERY INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)
      SELECT * FROM unnest(ids, versions, topics, states) RETURNING notification_id;
    RETURN;
  END IF;
  -- After a key clash, leave out (NULL positions) each save with a key already stored or taken
  -- by an earlier row of the batch. Resent after a lost answer, a save found stored exactly as
  -- sent was written by that attempt: it keeps its positions.
  RETURN QUERY WITH e AS (
    SELECT * FROM unnest(saves, ids, versions, topics, states) WITH ORDINALITY
      AS e(s, i, v, t, d, n)
  ), x AS (
    SELECT e.n, e.s, x.notification_id AS p, resent AND (x.topic, x.state) = (e.t, e.d) AS same
    FROM e JOIN {schema}.{table} x ON (x.originator_id, x.originator_version) = (e.i, e.v)
  ), lost AS (
    SELECT e.s FROM e LEFT JOIN x USING (n) WHERE e.s IN (SELECT s FROM x)
    GROUP BY e.s HAVING NOT bool_and(coalesce(x.same, false))
    UNION SELECT b.s FROM e a JOIN e b ON (a.i, a.v) = (b.i, b.v) AND a.n < b.n
  ), ins AS (
    INSERT INTO {schema}.{table} (originator_id, originator_version, topic, state)
    SELECT i, v, t, d FROM e WHERE s NOT IN (SELECT s FROM lost) AND n NOT IN (SELECT n FROM x)
    ORDER BY n RETURNING originator_id AS i, originator_version AS v, notification_id AS p
  )
  SELECT CASE WHEN e.s IN (SELECT s FROM lost) THEN NULL ELSE coalesce(x.p, ins.p) END
  FROM e LEFT JOIN x USING (n) LEFT JOIN ins ON (ins.i, ins.v) = (e.i, e.v) ORDER BY e.n;
END
$BODY$
"""
