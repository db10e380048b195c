# ecom_unit_test(<name> SOURCES <files...> LIBS <targets...> [NEEDS_STACK])
# Builds a cmocka test program and registers it with ctest. NEEDS_STACK marks a test that
# talks to the PostgreSQL and Redis of the test run (tests/harness/stack.sh exports their
# URLs as DATABASE_URL and REDIS_URL before ctest runs); it gets the label "stack".
function(ecom_unit_test name)
  cmake_parse_arguments(T "NEEDS_STACK" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${T_SOURCES})
  target_link_libraries(${name} PRIVATE ${T_LIBS} PkgConfig::CMOCKA)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES
    ENVIRONMENT "ECOM_SOURCE_DIR=${PROJECT_SOURCE_DIR};ECOM_BIN_DIR=${CMAKE_BINARY_DIR}/bin"
    TIMEOUT 300)
  if(T_NEEDS_STACK)
    set_tests_properties(${name} PROPERTIES LABELS stack)
  endif()
endfunction()
