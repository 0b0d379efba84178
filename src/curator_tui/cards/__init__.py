"""The claim card format: plain data (model), parsing (parse) and rendering (render).

No database, no UI. Import from the submodules: rendering an export should not pay for
the Markdown parser's import.
"""
