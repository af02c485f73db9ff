# vidpad's optional dlib addon: dlib's HOG frontal face detector for Node.
# Built by scripts/build-dlib.mjs only where Debian's libdlib-dev is installed.
{
  # scripts/build-dlib.mjs passes the link flags it found (pkg-config's, less
  # any library file that does not exist: Debian's dlib-1.pc names libblas.so
  # and liblapack.so, which are only there with their -dev packages).
  "variables": { "dlib_libs%": "-ldlib -lpthread" },
  "targets": [
    {
      "target_name": "vidpad_dlib",
      "sources": ["src/addon.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions", "-O3"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-O3"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions"],
      "libraries": ["<@(dlib_libs)"]
    }
  ]
}
