# The MPI implementation ("flavor") and its version, from the text of
# MPI_Get_library_version (FindMPI's MPI_<lang>_LIBRARY_VERSION_STRING with
# MPI_DETERMINE_LIBRARY_VERSION).  Used by rankpool's build, which records
# them, and by its installed package, which compares a consumer's MPI with
# them.
#
# rp_mpi_flavor(TEXT FLAVOR_VAR VERSION_VAR): FLAVOR_VAR gets "Open MPI",
# "MPICH", "MVAPICH", "Intel MPI" or "unknown"; VERSION_VAR the version
# ("4.1.4"), or "".
function(rp_mpi_flavor text flavor_var version_var)
  set(flavor unknown)
  set(version "")
  if(text MATCHES "Open MPI v([0-9]+(\\.[0-9]+)*)")
    set(flavor "Open MPI")
    set(version ${CMAKE_MATCH_1})
  elseif(text MATCHES "MVAPICH2? Version:?[ \t]*([0-9]+(\\.[0-9]+)*)")
    set(flavor "MVAPICH")
    set(version ${CMAKE_MATCH_1})
  elseif(text MATCHES "Intel\\(R\\) MPI Library ([0-9]+(\\.[0-9]+)*)")
    set(flavor "Intel MPI")
    set(version ${CMAKE_MATCH_1})
  elseif(text MATCHES "MPICH Version:[ \t]*([0-9]+(\\.[0-9]+)*)")
    set(flavor "MPICH")
    set(version ${CMAKE_MATCH_1})
  endif()
  set(${flavor_var} "${flavor}" PARENT_SCOPE)
  set(${version_var} "${version}" PARENT_SCOPE)
endfunction()
