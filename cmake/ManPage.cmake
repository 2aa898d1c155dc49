# Script mode: writes OUTPUT, the man page trawl.1, from the --help text of
# TRAWL (the built binary) and of each of its commands, found by reading the
# "Subcommands:" list of each help text, so the page says what the program
# says. VERSION goes in the page's header; the date is left out so that the
# page is the same in every build.

# Runs TRAWL with ARGN; sets `out` to its standard output.
function(trawl_help out)
  execute_process(COMMAND "${TRAWL}" ${ARGN} OUTPUT_VARIABLE text RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "ManPage.cmake: '${TRAWL} ${ARGN}' exited with ${status}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# The commands listed under "Subcommands:" in a help text.
function(trawl_commands help out)
  set(commands "")
  string(REGEX MATCH "\nSubcommands:\n([^\n]+\n)+" block "${help}")
  string(REPLACE "\n" ";" lines "${block}")
  foreach(line IN LISTS lines)
    if(line MATCHES "^  ([a-z][a-z0-9-]*)")
      list(APPEND commands "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  set(${out} "${commands}" PARENT_SCOPE)
endfunction()

# Text as roff shows it verbatim inside .nf: backslashes escaped, hyphens
# as real minus signs (so options can be searched and copied), a line that
# starts with a dot or quote kept from being read as a request.
function(roff_verbatim text out)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REPLACE "-" "\\-" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

trawl_help(top --help)
string(REGEX MATCH "^[^\n]*" summary "${top}")
string(REGEX REPLACE "^trawl: " "" summary "${summary}")
roff_verbatim("${summary}" summary)
roff_verbatim("${top}" top_text)

set(page ".TH TRAWL 1 \"\" \"trawl ${VERSION}\" \"User Commands\"
.SH NAME
trawl \\- ${summary}
.SH SYNOPSIS
.B trawl
.I COMMAND
.RI [ OPTIONS ]
.SH DESCRIPTION
.nf
${top_text}.fi
.SH COMMANDS
")

# Breadth first: the program's commands, then their own (rules list, ...).
trawl_commands("${top}" queue)
while(queue)
  list(POP_FRONT queue command)
  string(REPLACE " " ";" words "${command}")
  trawl_help(help ${words} --help)
  roff_verbatim("${help}" text)
  string(APPEND page ".SS trawl ${command}\n.nf\n${text}.fi\n")
  trawl_commands("${help}" more)
  foreach(sub IN LISTS more)
    list(APPEND queue "${command} ${sub}")
  endforeach()
endwhile()

string(APPEND page ".SH EXIT STATUS
.TP
.B 0
no findings (after suppression)
.TP
.B 1
findings (or the value of \\-\\-exit\\-code)
.TP
.B 2
usage or configuration error
.TP
.B 3
the scan itself failed
.SH FILES
.TP
.I .trawl.toml, .gitleaks.toml
rules at the scanned root, unless \\-\\-config or \\-\\-no\\-repo\\-config
.TP
.I .trawlignore, .gitleaksignore
fingerprints of findings to suppress
.SH SEE ALSO
.BR git (1)
")
file(WRITE "${OUTPUT}.tmp" "${page}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
