"""Pure library: text in, languages out (Kazakh / Russian / English per paragraph and page), and
change-notice sentences. No database, no reactor: config at most."""
