# syntax=docker/dockerfile:1
# Build stage: compile and package the fat jar (tests run in CI, not in the image build).
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml .
RUN mvn -B -ntp dependency:go-offline
COPY conf conf
COPY src src
RUN mvn -B -ntp package -DskipTests

# Runtime stage: a JRE and the jar, running as an unprivileged user.
FROM eclipse-temurin:17-jre
RUN useradd --system --uid 10001 hookline
WORKDIR /app
COPY --from=build /src/target/hookline.jar /app/hookline.jar
COPY conf/hookline.json /app/conf/hookline.json
USER hookline
EXPOSE 8080
# SIGTERM (docker stop) drains in-flight sends up to delivery.shutdownGraceSeconds, then exits 0;
# give `docker stop -t` at least that long.
STOPSIGNAL SIGTERM
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/app/hookline.jar"]
