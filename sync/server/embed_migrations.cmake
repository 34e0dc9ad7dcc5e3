# Writes OUT, a C file defining the server's migrations from the SQL files FILES (sorted):
#   const struct server_migration server_migrations[]; const int server_migration_count;
# Each file becomes a C string built from hex escapes, so no SQL text can break the C syntax.
set(body "/* Generated from the SQL files of sync/server/migrations by embed_migrations.cmake. */\n")
string(APPEND body "#include \"server/migrations.h\"\n\n")
set(entries "")
set(i 0)
foreach(f ${FILES})
  get_filename_component(name ${f} NAME_WE)
  file(READ ${f} hex HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" escaped "${hex}")
  # Break the string every 64 escapes so that compilers keep line lengths sane.
  string(REGEX REPLACE "((\\\\x[0-9a-f][0-9a-f]){64})" "\\1\"\n    \"" escaped "${escaped}")
  string(APPEND body "static const char sql_${i}[] =\n    \"${escaped}\";\n")
  string(APPEND entries "    {\"${name}\", sql_${i}},\n")
  math(EXPR i "${i} + 1")
endforeach()
string(APPEND body "\nconst struct server_migration server_migrations[] = {\n${entries}    {0, 0}};\n")
string(APPEND body "const int server_migration_count = ${i};\n")
file(WRITE ${OUT} "${body}")
