{
  "targets": [
    {
      "target_name": "stb_vorbis",
      "type": "static_library",
      "sources": ["native/third_party/stb_vorbis/stb_vorbis.c"],
      "defines": ["STB_VORBIS_NO_STDIO", "STB_VORBIS_NO_PUSHDATA_API"],
      "cflags": ["-w", "-fPIC"],
      "xcode_settings": {"OTHER_CFLAGS": ["-w"]},
      "msvs_settings": {"VCCLCompilerTool": {"WarningLevel": 0}}
    },
    {
      "target_name": "audeep_native",
      "sources": [
        "native/addon.cc",
        "native/dispatch.cc",
        "native/threadpool.cc",
        "native/huge_pages.cc",
        "native/gemm.cc",
        "native/rnn.cc",
        "native/dropout.cc",
        "native/dsp.cc",
        "native/mlp.cc",
        "native/adam.cc",
        "native/head.cc",
        "native/vorbis.cc",
        "native/kernels_portable.cc",
        "native/kernels_avx2.cc",
        "native/kernels_avx512.cc"
      ],
      "dependencies": ["stb_vorbis"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # A thread that is being terminated (preprocess stops its workers when a run fails or is interrupted)
      # cannot take a JavaScript exception; without SWALLOW node-addon-api aborts the whole process then.
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-std=gnu++17"],
      "cflags_cc": ["-std=gnu++20", "-O3", "-ffp-contract=fast", "-fno-math-errno", "-fexceptions"],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++20",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-ffp-contract=fast", "-fno-math-errno"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1, "AdditionalOptions": ["/std:c++20"] } }
    }
  ]
}
