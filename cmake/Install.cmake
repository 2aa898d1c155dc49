# What `cmake --install` puts in place (GNUInstallDirs): the trawl binary,
# its man page and its shell completions, each generated at build time by
# the built binary from its own command line definition, and the .deb that
# CPack builds of the same (cpack -G DEB in the build directory).
include(GNUInstallDirs)

set(TRAWL_DOCS_DIR ${PROJECT_BINARY_DIR}/share)
set(TRAWL_MAN_PAGE ${TRAWL_DOCS_DIR}/trawl.1)
set(TRAWL_COMPLETIONS ${TRAWL_DOCS_DIR}/trawl.bash ${TRAWL_DOCS_DIR}/_trawl ${TRAWL_DOCS_DIR}/trawl.fish)
add_custom_command(
  OUTPUT ${TRAWL_MAN_PAGE}
  COMMAND ${CMAKE_COMMAND} -DTRAWL=$<TARGET_FILE:trawl> -DOUTPUT=${TRAWL_MAN_PAGE} -DVERSION=${PROJECT_VERSION}
          -P ${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake
  DEPENDS trawl ${PROJECT_SOURCE_DIR}/cmake/ManPage.cmake
  COMMENT "Writing the man page from trawl's help"
  VERBATIM)
add_custom_command(
  OUTPUT ${TRAWL_COMPLETIONS}
  COMMAND $<TARGET_FILE:trawl> completion bash > ${TRAWL_DOCS_DIR}/trawl.bash
  COMMAND $<TARGET_FILE:trawl> completion zsh > ${TRAWL_DOCS_DIR}/_trawl
  COMMAND $<TARGET_FILE:trawl> completion fish > ${TRAWL_DOCS_DIR}/trawl.fish
  DEPENDS trawl
  COMMENT "Writing shell completions"
  VERBATIM)
add_custom_target(trawl_docs ALL DEPENDS ${TRAWL_MAN_PAGE} ${TRAWL_COMPLETIONS})
file(MAKE_DIRECTORY ${TRAWL_DOCS_DIR})

install(TARGETS trawl RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${TRAWL_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${TRAWL_DOCS_DIR}/trawl.bash DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME trawl)
install(FILES ${TRAWL_DOCS_DIR}/_trawl DESTINATION ${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions)
install(FILES ${TRAWL_DOCS_DIR}/trawl.fish DESTINATION ${CMAKE_INSTALL_DATADIR}/fish/vendor_completions.d)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})

# The .deb: Depends computed by dpkg-shlibdeps from the libraries the binary
# links (libgit2, libre2, libtbb, libdeflate, libssl, ...), so it is right
# for the release it is built on.
set(CPACK_PACKAGE_NAME trawl)
set(CPACK_PACKAGE_VENDOR "trawl")
set(CPACK_PACKAGE_CONTACT "trawl maintainers <trawl@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "finds leaked credentials in git history, files and standard input")
set(CPACK_PACKAGE_DESCRIPTION
    "trawl scans every blob of a git repository's history (every ref, every commit, each unique blob once), staged changes and files for API keys, tokens, private keys and passwords, and reports where each secret was introduced. It never runs git or anything else from the repository it scans and makes no network calls.")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_HOMEPAGE_URL ${PROJECT_HOMEPAGE_URL})
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_STRIP_FILES ON)
include(CPack)
