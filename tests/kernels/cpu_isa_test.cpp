// cpuid feature detection against the kernel's own view (/proc/cpuinfo), and choosing the
// kernel table by name or through HEARTH_ISA.
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>

#include "base/cpu_features.h"
#include "kernels/kernel_table.h"

namespace hearth::kernels {
namespace {

// The "flags" line of the first processor in /proc/cpuinfo, or empty off Linux/x86.
std::set<std::string> proc_cpuinfo_flags() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    std::istringstream words(line.substr(line.find(':') + 1));
    std::set<std::string> flags;
    for (std::string w; words >> w;) flags.insert(w);
    return flags;
  }
  return {};
}

TEST(CpuFeatures, AgreeWithProcCpuinfo) {
  const auto flags = proc_cpuinfo_flags();
  if (flags.empty()) GTEST_SKIP() << "no /proc/cpuinfo flags here";
  const CpuFeatures& f = cpu_features();
  EXPECT_EQ(f.avx2, flags.count("avx2") == 1);
  EXPECT_EQ(f.fma, flags.count("fma") == 1);
  EXPECT_EQ(f.f16c, flags.count("f16c") == 1);
  EXPECT_EQ(f.avx512f, flags.count("avx512f") == 1);
  EXPECT_EQ(f.avx512bw, flags.count("avx512bw") == 1);
  EXPECT_EQ(f.avx512vl, flags.count("avx512vl") == 1);
  EXPECT_EQ(f.avx512vnni, flags.count("avx512_vnni") == 1);
  EXPECT_EQ(f.avx512bf16, flags.count("avx512_bf16") == 1);
  EXPECT_EQ(f.avxvnni, flags.count("avx_vnni") == 1);
  const std::string text = describe(f);
  EXPECT_EQ(text.find("avx2") != std::string::npos, f.avx2) << text;
}

class IsaSelection : public ::testing::Test {
 protected:
  void TearDown() override { ASSERT_TRUE(set_isa(saved_).is_ok()); }
  std::string saved_{isa_name()};
};

TEST_F(IsaSelection, RefIsAlwaysAvailable) {
  ASSERT_TRUE(set_isa("ref").is_ok());
  EXPECT_EQ(isa_name(), "ref");
  EXPECT_EQ(active_kernels().find(DType::Q4_K), nullptr) << "ref means the exact f32 path";
}

TEST_F(IsaSelection, Avx2IffTheCpuHasIt) {
  const bool has = cpu_features().has_avx2_kernels();
  const Status st = set_isa("avx2");
  EXPECT_EQ(st.is_ok(), has) << st.message();
  if (has) {
    EXPECT_EQ(isa_name(), "avx2");
    for (DType t : {DType::F32, DType::F16, DType::BF16, DType::Q4_0, DType::Q4_1, DType::Q5_0,
                    DType::Q5_1, DType::Q8_0, DType::Q2_K, DType::Q3_K, DType::Q4_K, DType::Q5_K,
                    DType::Q6_K, DType::IQ4_NL, DType::IQ4_XS, DType::MXFP4})
      EXPECT_NE(active_kernels().find(t), nullptr) << dtype_name(t);
    EXPECT_EQ(active_kernels().find(DType::IQ2_XXS), nullptr);
  } else {
    EXPECT_NE(st.message().find("avx2"), std::string::npos) << st.message();
    EXPECT_EQ(isa_name(), saved_);
  }
}

TEST_F(IsaSelection, UnknownOrUnsupportedNamesFailAndKeepTheChoice) {
  ASSERT_TRUE(set_isa("ref").is_ok());
  const Status bogus = set_isa("sse9");
  ASSERT_FALSE(bogus.is_ok());
  EXPECT_NE(bogus.message().find("sse9"), std::string::npos) << bogus.message();
  EXPECT_EQ(isa_name(), "ref");
  EXPECT_EQ(kernels_for_isa("sse9"), nullptr);
  if (!cpu_features().has_avx512_kernels()) {
    const Status st = set_isa("avx512");
    ASSERT_FALSE(st.is_ok());
    EXPECT_NE(st.message().find("avx512"), std::string::npos) << st.message();
    EXPECT_EQ(isa_name(), "ref");
  }
}

TEST_F(IsaSelection, AutoPicksTheBestAvailable) {
  ASSERT_TRUE(set_isa("auto").is_ok());
  EXPECT_EQ(isa_name(), cpu_features().has_avx2_kernels() ? "avx2" : "ref");
}

// Each statement runs in a fresh process (threadsafe style re-executes the binary), so the
// variable is read on that process's first use of the kernels.
TEST(IsaDeathTest, EnvironmentChoosesOnFirstUse) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_EXIT(
      {
        setenv("HEARTH_ISA", "ref", 1);
        std::exit(isa_name() == "ref" ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  EXPECT_EXIT(
      {
        setenv("HEARTH_ISA", "no-such-isa", 1);
        std::exit(isa_name() == (cpu_features().has_avx2_kernels() ? "avx2" : "ref") ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "HEARTH_ISA ignored.*no-such-isa");
  EXPECT_EXIT(
      {
        unsetenv("HEARTH_ISA");
        std::exit(isa_name() == (cpu_features().has_avx2_kernels() ? "avx2" : "ref") ? 0 : 1);
      },
      ::testing::ExitedWithCode(0), "");
  if (cpu_features().has_avx2_kernels()) {
    EXPECT_EXIT(
        {
          setenv("HEARTH_ISA", "avx2", 1);
          std::exit(isa_name() == "avx2" ? 0 : 1);
        },
        ::testing::ExitedWithCode(0), "");
  }
}

}  // namespace
}  // namespace hearth::kernels
