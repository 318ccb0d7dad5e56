-- The drug vocabulary with each drug's class and synonyms.
SELECT id, name, drug_class, synonyms FROM drug ORDER BY drug_class, name
