"""Pure library: bytes in, text and facts out (HTML, PDF, DOCX, OCR; noise and anti-bot pages).

No database, no reactor: config at most."""
