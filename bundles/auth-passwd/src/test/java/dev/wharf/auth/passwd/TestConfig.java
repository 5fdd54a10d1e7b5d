package dev.wharf.auth.passwd;

/** The backend's configuration as ConfigAdmin would give it, for tests that create the component themselves. */
final class TestConfig {

    private TestConfig() {
    }

    static PasswdAuthBackend.Config passwd(String file, boolean enabled, boolean demo) {
        return new PasswdAuthBackend.Config() {
            @Override
            public Class<? extends java.lang.annotation.Annotation> annotationType() {
                return PasswdAuthBackend.Config.class;
            }

            @Override
            public String file() {
                return file;
            }

            @Override
            public String attributes_file() {
                return "";
            }

            @Override
            public boolean enabled() {
                return enabled;
            }

            @Override
            public boolean demo_create() {
                return demo;
            }

            @Override
            public String demo_user() {
                return "demo";
            }

            @Override
            public String demo_home() {
                return PasswdAuthBackend.HOME_VARIABLE + "/var/ftp/demo";
            }

            @Override
            public int demo_uid() {
                return 1000;
            }

            @Override
            public int demo_gid() {
                return 1000;
            }
        };
    }
}
