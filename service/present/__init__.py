"""How replies are shown: the actions send parts (lead, body, notes, citation and station objects); this
package words citations and station details from one data file (wording.yml) and renders the plain text
that the chat API and WeChat carry. The widget draws the same parts as HTML (service/static/widget.js)."""
