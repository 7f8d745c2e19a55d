# Build: the same command as CI's packaging step.
FROM maven:3.9-eclipse-temurin-25 AS build
WORKDIR /src
COPY pom.xml .
COPY .mvn .mvn
RUN mvn -B -q dependency:go-offline
COPY src src
COPY rules rules
COPY profiles profiles
RUN mvn -B -q package -DskipTests

# Run: a JRE is enough (DRL is compiled with the bundled ECJ compiler). Java 25 for generational
# ZGC and the AOT cache (BENCHMARKS.md, "The service's JVM").
FROM eclipse-temurin:25-jre
RUN useradd --system --uid 10001 --home-dir /config hubpolicy \
 && mkdir -p /config /data && chown hubpolicy /data
COPY --from=build /src/target/hubpolicy.jar /opt/hubpolicy/hubpolicy.jar
# The JVM's options (container/jvm.options says why each): G1, the heap at up to 60% of
# the pod's memory, exit on out of memory, and the AOT cache made below.
COPY container/jvm.options container/aot-train /opt/hubpolicy/
# The working directory's profiles/ and rules/ are the defaults; mount over them to change them.
COPY profiles /config/profiles
COPY rules /config/rules
WORKDIR /config
# The compiled rules of /config/rules, kept by a first start of serve (the training below) so that
# every start reads them instead of compiling DRL; written now as root, read-only at run time (a
# start with other rules compiles them, as without a cache). Only hubpolicy's image writes there:
# what is in it is deserialized (docs/building.md).
ENV HUBPOLICY_RULES_CACHE=/opt/hubpolicy/rules-cache
# The AOT cache: one training run of serve with this JVM, jar and options (a few decisions on
# loopback, then a clean stop) records the classes it loaded and linked and the methods' profiles;
# every start then maps them instead of loading ~10,000 classes again (BENCHMARKS.md, "Startup").
# The training run reads the rules from the cache above, as every start will.
RUN bash /opt/hubpolicy/aot-train java /opt/hubpolicy/hubpolicy.jar /opt/hubpolicy/jvm.options \
 && chmod a+r /opt/hubpolicy/hubpolicy.aot \
 && chmod -R a+rX,go-w /opt/hubpolicy/rules-cache
USER 10001
ENV HUBPOLICY_HOST=0.0.0.0 \
    HUBPOLICY_PORT=8080 \
    HUBPOLICY_AUDIT_LOG=/data/audit.jsonl \
    HUBPOLICY_TOKEN_FILE=/data/hubpolicy.token
# The audit file and the token: a volume, so that a read-only root file system still has them.
VOLUME ["/data"]
EXPOSE 8080 9090
ENTRYPOINT ["java", "@/opt/hubpolicy/jvm.options", "-jar", "/opt/hubpolicy/hubpolicy.jar"]
CMD ["serve"]
