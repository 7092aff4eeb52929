-- Schema version 10: the category index of version 6 is dropped. The walls filter a
-- category with `category = ? OR category LIKE 'x/%'`, which neither planner answers from
-- it, while every intake and import paid for keeping it.
DROP INDEX IF EXISTS requests_category;
