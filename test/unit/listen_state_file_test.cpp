#include "listen/state_file.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include <unistd.h>

namespace booking_events::listen {
namespace {

class StateFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/listen_state_XXXXXX";
        ASSERT_NE(mkdtemp(pattern), nullptr);
        directory_ = pattern;
        path_ = directory_ + "/listener.state";
    }
    void TearDown() override {
        std::remove(path_.c_str());
        std::remove((path_ + ".tmp").c_str());
        rmdir(directory_.c_str());
    }
    void write_raw(const std::string &content) { std::ofstream(path_) << content; }
    std::string read_raw() {
        std::ifstream file(path_);
        return std::string(std::istreambuf_iterator<char>(file), {});
    }

    std::string directory_;
    std::string path_;
};

TEST_F(StateFileTest, AMissingFileMeansNoState) { EXPECT_FALSE(read_state_file(path_)); }

TEST_F(StateFileTest, WrittenStatesAreReadBack) {
    write_state_file(path_, ListenerState{1207, "16385"});
    EXPECT_EQ(read_raw(), "1207 16385\n");
    EXPECT_EQ(read_state_file(path_)->outbox_id, 1207);
    EXPECT_EQ(read_state_file(path_)->extension_oid, "16385");
    write_state_file(path_, ListenerState{0, ""});
    EXPECT_EQ(read_raw(), "0\n");
    EXPECT_EQ(read_state_file(path_)->outbox_id, 0);
    EXPECT_EQ(read_state_file(path_)->extension_oid, "");
    // Written to a temporary name and renamed: nothing is left behind.
    EXPECT_NE(access((path_ + ".tmp").c_str(), F_OK), 0);
}

TEST_F(StateFileTest, AFileWithoutAnIdIsAnError) {
    for (const char *content :
         {"", "\n", "abc\n", "-5\n", "12  13\n", "12 x\n", "12 \n", "99999999999999999999"}) {
        write_raw(content);
        EXPECT_THROW(read_state_file(path_), StateFileError) << content;
    }
    write_raw("42");
    EXPECT_EQ(read_state_file(path_)->outbox_id, 42);
}

TEST_F(StateFileTest, AnUnwritableDirectoryIsAnError) {
    EXPECT_THROW(write_state_file(directory_ + "/missing/dir/state", ListenerState{1, ""}),
                 StateFileError);
}

}  // namespace
}  // namespace booking_events::listen
