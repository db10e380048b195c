# The in-process Majordomo broker (broker.c), included by gateway/CMakeLists.txt.
add_library(ecom_broker STATIC ${CMAKE_CURRENT_LIST_DIR}/broker.c)
target_include_directories(ecom_broker PUBLIC ${CMAKE_CURRENT_LIST_DIR})
target_link_libraries(ecom_broker PUBLIC ecom_proto)

if(EXISTS ${CMAKE_CURRENT_LIST_DIR}/broker_test.c)
  ecom_unit_test(broker_test SOURCES ${CMAKE_CURRENT_LIST_DIR}/broker_test.c LIBS ecom_broker)
endif()
