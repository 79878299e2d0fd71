/** The install page's style sheet, served as `page.css` (the CSP allows no inline style). One column from 320 px up. */
export const INSTALL_PAGE_STYLE = `*,*::before,*::after{box-sizing:border-box}
html{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1f24;background:#fff}
body{margin:0}
main{max-width:40rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:0 0 .5rem}
h2{font-size:1.125rem;margin:0 0 .5rem}
.field{margin:0 0 1.25rem;padding:0;border:0;min-width:0}
.field>label,legend{display:block;font-weight:600;margin-bottom:.25rem;padding:0}
.required{font-weight:400;color:#5a6270}
.description,.secure-note,.blank-note{margin:.125rem 0 .375rem;color:#4a5260;font-size:.9375rem;overflow-wrap:anywhere}
input[type=text],input[type=password],input[type=number],input[type=email],input[type=url],input[type=date],select,textarea{display:block;width:100%;max-width:100%;font:inherit;padding:.5rem .625rem;border:1px solid #7a8290;border-radius:4px;background:#fff;color:inherit}
textarea{resize:vertical}
.choice{display:flex;gap:.5rem;align-items:center;margin:.25rem 0}
.checkbox{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
.checkbox>.description,.checkbox>.error{flex-basis:100%}
input[type=checkbox],input[type=radio]{width:1.25rem;height:1.25rem;margin:0}
[aria-invalid=true]{border-color:#b3261e;border-width:2px}
fieldset[aria-invalid=true]{border:0;border-left:3px solid #b3261e;padding-left:.5rem}
.error{color:#b3261e;font-weight:600;margin:.375rem 0 0;overflow-wrap:anywhere}
.summary{border:2px solid #b3261e;border-radius:4px;padding:.75rem 1rem;margin:0 0 1.25rem}
.summary ul{margin:0;padding-left:1.25rem}
.summary a{color:#b3261e}
.done{border:2px solid #1e7b34;border-radius:4px;padding:.75rem 1rem}
button{font:inherit;font-weight:600;padding:.625rem 1.25rem;border:0;border-radius:4px;background:#1f5fbf;color:#fff;cursor:pointer}
button:disabled{background:#8a94a6;cursor:not-allowed}
:focus-visible{outline:3px solid #1f5fbf;outline-offset:2px}
[hidden]{display:none!important}
`;
